// Library entry: the components platform stacks import (and the cross-language plugin hosts).
export { AzureWindowsRescue, AzureWindowsRescueArgs } from "./azure/azureWindowsRescue";
