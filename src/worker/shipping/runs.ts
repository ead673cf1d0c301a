import { recordOf, type Batch } from './delivery.js'

/**
 * The batch's records, each made into what a call takes by `make`, cut into runs of at most
 * `maxRecords` records and `maxBytes` bytes of records (a record larger alone is a run of its own),
 * in the batch's order: a call that fails after others then leaves "the first N records arrived" true.
 */
export function runsOf<T>(batch: Batch, maxRecords: number, maxBytes: number, make: (record: Buffer) => T): T[][] {
  const runs: T[][] = []
  let run: T[] = []
  let bytes = 0
  for (let i = 0; i < batch.count; i++) {
    const record = recordOf(batch, i)
    if (run.length > 0 && (run.length === maxRecords || bytes + record.length > maxBytes)) {
      runs.push(run)
      run = []
      bytes = 0
    }
    run.push(make(record))
    bytes += record.length
  }
  if (run.length > 0) runs.push(run)
  return runs
}
