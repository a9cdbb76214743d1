export { logout as POST } from "@/lib/api/auth";

export const dynamic = "force-dynamic";
