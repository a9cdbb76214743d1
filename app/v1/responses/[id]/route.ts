import { gatewayRoute } from "@/lib/app/routes";

export const dynamic = "force-dynamic";
export const { GET, POST, PUT, PATCH, DELETE, OPTIONS } = gatewayRoute("stored_response");
