export { login as POST } from "@/lib/api/auth";

export const dynamic = "force-dynamic";
