// The Pulumi program (Pulumi.yaml `main`): reads stack config, instantiates the rescue component.
export {};
