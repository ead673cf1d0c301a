import { describe } from '../serialize.js'

/** A part of an integration's own work that can fail, and what requests go without when it does. */
export interface Failure {
  /** What failed: `the user option`. */
  readonly what: string
  /** What the requests lose, the request itself going on: `requests go on without userId`. */
  readonly lost: string
}

export const USER: Failure = { what: 'the user option', lost: 'requests go on without userId' }
export const REQUEST_HEADERS: Failure = { what: "reading the request's headers", lost: 'requests go on with a new id, without userAgent and headers' }
export const RESPONSE_HEADER: Failure = { what: 'setting the request id header on the response', lost: 'responses go without it' }
export const ROUTE: Failure = { what: 'finding the route', lost: 'access records go without route' }
export const REQUEST_LOGGER: Failure = { what: "making the request's logger", lost: "its records go through the integration's logger, without the request's bindings" }
export const ACCESS_RECORD: Failure = { what: 'writing the access record', lost: 'requests go on without one' }

/**
 * Says on stderr that part of an integration's own work failed, once per kind of failure for the
 * integration: the request goes on without it (an integration never turns a request into an
 * error), so the same failure would otherwise be said on every request.
 */
export class FailureReports {
  readonly #said = new Set<Failure>()

  /** @param where the integration: `expressLogger()`. */
  constructor(private readonly where: string) {}

  report(failure: Failure, error: unknown): void {
    if (this.#said.has(failure)) return
    this.#said.add(failure)
    process.stderr.write(`ringlog: ${this.where}: ${failure.what} failed (${describe(error)}); ${failure.lost}. Said once.\n`)
  }
}
