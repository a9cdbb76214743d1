export { restartBackend as POST } from "@/lib/api/lab";

export const dynamic = "force-dynamic";
