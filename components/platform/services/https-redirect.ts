/**
 * Plain HTTP answered with a redirect to HTTPS on any Traefik, also one the platform did not install.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** Name of the Traefik Middleware (one per namespace that serves an endpoint) that redirects to HTTPS. */
export const HTTPS_REDIRECT_MIDDLEWARE = "redirect-https";

export interface HttpsRedirectArgs {
  /** Namespace of the endpoint (Traefik Middlewares are referenced within their namespace). */
  namespace: pulumi.Input<string>;
  /**
   * Hosts whose plain-HTTP requests are redirected, each with the Service that serves it over HTTPS
   * (Traefik drops a route whose backend Service does not exist, so the real one is named).
   */
  routes: { host: string; service: string; port: number }[];
  ingressClass: string;
}

/**
 * Plain-HTTP redirect for hosts served by any Traefik (also one the platform did not install, as on k3s):
 * a RedirectScheme Middleware and an Ingress on the `web` entrypoint that applies it. Where the platform
 * installs Traefik the entrypoint redirects too; this keeps the behaviour the same on both targets.
 */
export class HttpsRedirect extends pulumi.ComponentResource {
  constructor(name: string, args: HttpsRedirectArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:platform:HttpsRedirect", name, {}, opts);
    const middleware = new k8s.apiextensions.CustomResource(
      `${name}-middleware`,
      {
        apiVersion: "traefik.io/v1alpha1",
        kind: "Middleware",
        metadata: { name: HTTPS_REDIRECT_MIDDLEWARE, namespace: args.namespace },
        spec: { redirectScheme: { scheme: "https", permanent: true } },
      },
      { parent: this },
    );
    new k8s.networking.v1.Ingress(
      `${name}-http`,
      {
        metadata: {
          name: `${name}-http-redirect`,
          namespace: args.namespace,
          annotations: {
            "traefik.ingress.kubernetes.io/router.entrypoints": "web",
            "traefik.ingress.kubernetes.io/router.middlewares": pulumi.interpolate`${args.namespace}-${HTTPS_REDIRECT_MIDDLEWARE}@kubernetescrd`,
          },
        },
        spec: {
          ingressClassName: args.ingressClass,
          rules: args.routes.map(({ host, service, port }) => ({
            host,
            http: {
              paths: [
                {
                  path: "/",
                  pathType: "Prefix",
                  // Not reached: the middleware answers first.
                  backend: { service: { name: service, port: { number: port } } },
                },
              ],
            },
          })),
        },
      },
      { parent: this, dependsOn: [middleware] },
    );
    this.registerOutputs({});
  }
}
