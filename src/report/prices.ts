/**
 * A small list-price table for the helper machine, used only to estimate what a rescue cost.
 * Pay-as-you-go list prices in USD per hour, Windows licence included, Azure East US and AWS
 * us-east-1 on-demand, as published in 2025. Discounts, other regions, disks, snapshots and traffic
 * are not included: the report calls the figure an estimate at list price.
 */
export const PRICE_BASIS =
  "estimate at list price: pay-as-you-go, Windows licence included, Azure East US / AWS us-east-1 (2025), helper compute only (no disks, snapshots or traffic)";

export const HELPER_PRICES_USD_PER_HOUR: Readonly<Record<string, number>> = {
  // Azure
  Standard_B2ms: 0.111,
  Standard_D2s_v3: 0.188,
  Standard_D2s_v4: 0.188,
  Standard_D2s_v5: 0.188,
  Standard_D2as_v5: 0.178,
  Standard_D4s_v5: 0.376,
  Standard_D4as_v5: 0.356,
  Standard_E2s_v5: 0.218,
  // AWS
  "t3.medium": 0.06,
  "t3.large": 0.111,
  "m5.large": 0.188,
  "m6i.large": 0.188,
  "m7i.large": 0.193,
  "c5.large": 0.177,
};

/** List price per hour of a helper size (case-insensitive), or null when the table does not have it. */
export function helperPricePerHour(size: string): number | null {
  const key = Object.keys(HELPER_PRICES_USD_PER_HOUR).find(
    (k) => k.toLowerCase() === size.toLowerCase(),
  );
  return key ? HELPER_PRICES_USD_PER_HOUR[key] : null;
}
