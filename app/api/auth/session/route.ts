export { getSession as GET } from "@/lib/api/auth";

export const dynamic = "force-dynamic";
