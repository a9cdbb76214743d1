export { vllmHealthRoute as GET, vllmHealthRoute as POST } from "@/lib/app/routes";

export const dynamic = "force-dynamic";
