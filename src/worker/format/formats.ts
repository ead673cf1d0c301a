import type { Output } from '../output.js'
import { CsvFormat } from './csv.js'
import { EcsFormat } from './ecs.js'
import { GcpFormat } from './gcp.js'
import type { Format, FormatOptions } from './format.js'
import { JsonFormat } from './json.js'
import { LogfmtFormat } from './logfmt.js'
import { PrettyFormat } from './pretty.js'
import { TextFormat } from './text.js'

/** The format named in the options, writing into `out`. */
export function createFormat(out: Output, options: FormatOptions): Format<unknown> {
  switch (options.format) {
    case 'json': return new JsonFormat(out, options)
    case 'logfmt': return new LogfmtFormat(out, options)
    case 'text': return new TextFormat(out, options)
    case 'csv': return new CsvFormat(out, options)
    case 'pretty': return new PrettyFormat(out, options)
    case 'ecs': return new EcsFormat(out, options)
    case 'gcp': return new GcpFormat(out, options)
  }
}
