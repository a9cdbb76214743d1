const BRANDS = Symbol.for("switchyard.errorBrands");

/**
 * An Error whose `instanceof` survives duplicate module copies. Next.js bundles instrumentation.ts and each route
 * separately, so one error class can exist twice in the server process: an error thrown by the lab (created from
 * one copy) and caught by a route (holding the other) would fail a plain `instanceof` and turn a 404 into a 500.
 * Each class names a brand; `instanceof` compares brands, which both copies share.
 */
export class BrandedError extends Error {
  static readonly brand: string = "switchyard.Error";

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    const brands: string[] = [];
    for (let type = new.target as unknown as { brand?: unknown } | null; type && typeof type.brand === "string"; type = Object.getPrototypeOf(type)) {
      brands.push(type.brand);
    }
    Object.defineProperty(this, BRANDS, { value: brands });
  }

  static override [Symbol.hasInstance](this: { brand: string }, value: unknown): boolean {
    if (typeof value !== "object" || value === null) return false;
    const brands = (value as Record<symbol, unknown>)[BRANDS];
    return Array.isArray(brands) && brands.includes(this.brand);
  }
}
