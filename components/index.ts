// Library entry: the components platform stacks import (and the cross-language plugin hosts).
export {};
