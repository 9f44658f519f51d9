import { configure } from "@testing-library/react";

// Busy machines (dotnet test runs these beside builds): give findBy/waitFor more than the default second.
configure({ asyncUtilTimeout: 4000 });
