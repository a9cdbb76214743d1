export { getPlaygroundModels as GET } from "@/lib/api/playground";

export const dynamic = "force-dynamic";
