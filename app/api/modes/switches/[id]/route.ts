export { getSwitch as GET } from "@/lib/api/lab";

export const dynamic = "force-dynamic";
