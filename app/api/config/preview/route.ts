export { previewConfigEdit as POST } from "@/lib/api/routing";

export const dynamic = "force-dynamic";
