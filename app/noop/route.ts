// The framework's ceiling for `npm run bench`: a Next.js route that reads the body and answers at once.
export { noopRoute as POST } from "@/lib/app/noop";

export const dynamic = "force-dynamic";
