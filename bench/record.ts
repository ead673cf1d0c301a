/** The record every end-to-end benchmark logs: a message and five fields, as a request log would. */
export const MESSAGE = 'request handled'

export interface Fields {
  reqId: string
  userId: number
  path: string
  status: number
  durationMs: number
}

/** The same record logged by a request's child logger: its binding is the request id, these are the fields. */
export function childFields(i: number): Omit<Fields, 'reqId'> {
  return {
    userId: 1000 + (i % 5000),
    path: '/api/users/' + (i % 100),
    status: 200,
    durationMs: ((i * 7919) % 100_000) / 1000 + 0.25,
  }
}

export function fields(i: number): Fields {
  return {
    reqId: 'req-' + i,
    userId: 1000 + (i % 5000),
    path: '/api/users/' + (i % 100),
    status: 200,
    durationMs: ((i * 7919) % 100_000) / 1000 + 0.25,
  }
}
