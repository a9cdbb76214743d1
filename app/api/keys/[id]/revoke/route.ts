export { revokeKey as POST } from "@/lib/api/keys";

export const dynamic = "force-dynamic";
