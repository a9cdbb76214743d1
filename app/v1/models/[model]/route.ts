export { modelCardRoute as GET, modelCardRoute as OPTIONS } from "@/lib/app/routes";

export const dynamic = "force-dynamic";
