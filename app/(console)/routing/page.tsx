import { RoutingPage } from "@/components/routing/routing-page";

export default function Page() {
  return <RoutingPage />;
}
