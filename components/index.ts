// Library entry: the components platform stacks import (and the cross-language plugin hosts).
export { AzureWindowsRescue } from "./azure/azureWindowsRescue";
export type { AzureWindowsRescueArgs } from "./azure/azureWindowsRescue";
export { AwsWindowsRescue } from "./aws/awsWindowsRescue";
export type { AwsWindowsRescueArgs } from "./aws/awsWindowsRescue";
