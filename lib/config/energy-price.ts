import { z } from "zod";

/**
 * `energyPrice`: what a kWh costs, so the usage page can put a cost beside the energy the GPUs drew for the
 * requests. Absent (the default): the console shows energy in Wh and no cost.
 */
export const energyPriceSchema = z
  .object({
    /** Price of one kWh in `currency` (0.30 for 30 cents). */
    perKwh: z.number().nonnegative().max(1_000),
    /** The label the console shows beside a cost: an ISO code ("EUR") or a symbol ("€"). */
    currency: z.string().trim().min(1).max(8).default("EUR"),
  })
  .strict()
  .nullable()
  .default(null);

export type EnergyPrice = NonNullable<z.output<typeof energyPriceSchema>>;
