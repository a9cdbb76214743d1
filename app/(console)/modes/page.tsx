import { ModesPage } from "@/components/modes/modes-page";

export default function Page() {
  return <ModesPage />;
}
