export { listKeys as GET, createKey as POST } from "@/lib/api/keys";

export const dynamic = "force-dynamic";
