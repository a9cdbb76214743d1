export { listAudit as GET } from "@/lib/api/audit";

export const dynamic = "force-dynamic";
