#!/usr/bin/env bash
# A private rsyslogd for trying and testing the syslog sink: no system paths, no root needed.
#
#   scripts/services/rsyslog.sh DIR [UDP_PORT TCP_PORT TLS_PORT OSSL_PORT]
#
# writes DIR/rsyslog.conf (and, once, a self-signed CA and a certificate for 127.0.0.1 and
# localhost: DIR/ca.pem, DIR/cert.pem, DIR/key.pem), then runs rsyslogd in the foreground (exec:
# the script's pid is rsyslogd's) until it gets SIGTERM or SIGINT. It listens on 127.0.0.1 only:
# UDP (default 10514), TCP with octet-counting or LF framing (10515), and TLS through rsyslog's
# GnuTLS driver (10516) and its OpenSSL driver (10517).
# Every message, after mmpstrucdata has parsed its structured data into $!rfc5424-sd, is appended
# to DIR/messages.json as one line of rsyslog's %jsonmesg%: what rsyslog made of it. Running the
# script again with the same DIR keeps the certificates and appends to the same file: a restart.
set -euo pipefail

dir=${1:?usage: rsyslog.sh DIR [UDP_PORT TCP_PORT TLS_PORT OSSL_PORT]}
udp=${2:-10514}
tcp=${3:-10515}
tls=${4:-10516}
ossl=${5:-10517}
# Debian puts rsyslogd in /usr/sbin, which a user's PATH may not have.
PATH=$PATH:/usr/sbin
mkdir -p "$dir/work"
dir=$(cd "$dir" && pwd)

command -v rsyslogd >/dev/null || {
  echo 'rsyslogd not found: apt-get install -y rsyslog rsyslog-gnutls rsyslog-openssl' >&2
  exit 127
}

if [ ! -f "$dir/key.pem" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj '/CN=ringlog test CA' \
    -keyout "$dir/ca-key.pem" -out "$dir/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj '/CN=localhost' \
    -keyout "$dir/key.pem.tmp" -out "$dir/cert.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$dir/cert.ext"
  openssl x509 -req -in "$dir/cert.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" -CAcreateserial \
    -days 3650 -extfile "$dir/cert.ext" -out "$dir/cert.pem" 2>/dev/null
  mv "$dir/key.pem.tmp" "$dir/key.pem"
fi

cat >"$dir/rsyslog.conf" <<CONF
global(
  workDirectory="$dir/work"
  maxMessageSize="64k"
  defaultNetstreamDriverCAFile="$dir/ca.pem"
  defaultNetstreamDriverCertFile="$dir/cert.pem"
  defaultNetstreamDriverKeyFile="$dir/key.pem"
)
# Whatever rsyslog has taken off a socket is written before it exits.
main_queue(queue.timeoutShutdown="60000")

module(load="imudp")
module(load="imtcp")
module(load="mmpstrucdata")

template(name="parsed" type="list") {
  property(name="jsonmesg")
  constant(value="\n")
}
# What arrives from the network only: rsyslogd's own messages stay out of the file.
ruleset(name="received") {
  action(type="mmpstrucdata")
  action(type="omfile" file="$dir/messages.json" template="parsed")
}

input(type="imudp" address="127.0.0.1" port="$udp" ruleset="received")
input(type="imtcp" address="127.0.0.1" port="$tcp" ruleset="received")
input(type="imtcp" address="127.0.0.1" port="$tls" ruleset="received"
      streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")
input(type="imtcp" address="127.0.0.1" port="$ossl" ruleset="received"
      streamDriver.name="ossl" streamDriver.mode="1" streamDriver.authMode="anon")
CONF

exec rsyslogd -n -f "$dir/rsyslog.conf" -i "$dir/rsyslogd.pid"
