export { backendHistory as GET } from "@/lib/api/history";

export const dynamic = "force-dynamic";
