export { vllmVersionRoute as GET } from "@/lib/app/routes";

export const dynamic = "force-dynamic";
