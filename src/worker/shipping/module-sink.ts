import type { ModuleOptions } from '../../shipping/module-options.js'
import { importFunction } from '../plugin-import.js'
import type { Delivery, DeliveryContext } from './delivery.js'
import type { ShippingType } from './shipping-type.js'

type DeliveryFactory = (options: Record<string, unknown>, context: DeliveryContext) => unknown

/** `{ type: 'module', module, options }`: the delivery a plugin module makes (its default export, or `createDelivery`). */
export const moduleSink: ShippingType<ModuleOptions> = {
  async delivery(options, context) {
    const create = (await importFunction(options.url, 'createDelivery')) as DeliveryFactory
    const delivery = (await create(options.options, context)) as Partial<Delivery> | null
    if (delivery === null || typeof delivery !== 'object' || typeof delivery.send !== 'function') {
      throw new TypeError(`${options.module} made no delivery: an object with send(batch, signal) was expected`)
    }
    return delivery as Delivery
  },
}
