export { getAlerts as GET } from "@/lib/api/alerts";

export const dynamic = "force-dynamic";
