export { getRoutes as GET, putRoutes as PUT } from "@/lib/api/routing";

export const dynamic = "force-dynamic";
