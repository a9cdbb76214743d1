export { streamEvents as GET } from "@/lib/api/events";

export const dynamic = "force-dynamic";
