export { sendTestAlert as POST } from "@/lib/api/alerts";

export const dynamic = "force-dynamic";
