export { playgroundChat as POST } from "@/lib/api/playground";

export const dynamic = "force-dynamic";
