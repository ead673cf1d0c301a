import { pluginOptions, resolveModule } from './module-specifier.js'
import type { OptionsReader } from './options-reader.js'

/** `{ type: 'module', module, options }`'s own options. */
export interface ModuleSinkOptions {
  /** The plugin: a package name (resolved from `process.cwd()`), a path, or a file URL. */
  module: string
  /** Given to the plugin's default export: plain data. @default {} */
  options?: Record<string, unknown>
}

/** A plugin sink as the worker loads it: the module's file URL and its options. */
export interface ModuleOptions {
  /** The module as given, for messages. */
  module: string
  url: string
  options: Record<string, unknown>
}

/**
 * `{ type: 'module', module: 'my-sink' | './my-sink.js', options }`: a delivery made by the module's
 * default export, or its `createDelivery` (see `ringlog/plugin`).
 */
export const moduleOptions: OptionsReader<ModuleOptions> = {
  keys: ['module', 'options'],
  read(fields, where) {
    return {
      module: String(fields.module),
      url: resolveModule(where('module'), fields.module),
      options: pluginOptions(where('options'), fields.options),
    }
  },
}
