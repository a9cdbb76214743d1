export { getVerdict as GET } from "@/lib/api/verdict";

export const dynamic = "force-dynamic";
