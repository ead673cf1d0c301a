const EVERY_MS = 5

/** Peak RSS, sampled by a timer (while the event loop is free) and by the logging loop calling sample() (while it is not). */
export class RssSampler {
  peak = 0
  private timer: NodeJS.Timeout | undefined

  sample(): void {
    const rss = process.memoryUsage.rss()
    if (rss > this.peak) this.peak = rss
  }

  start(): void {
    this.sample()
    this.timer = setInterval(() => this.sample(), EVERY_MS)
  }

  stop(): void {
    clearInterval(this.timer)
    this.sample()
  }
}
