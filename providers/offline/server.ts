/**
 * The gRPC plumbing of the offline provider: serves Pulumi's ResourceProvider protocol for one
 * plugin (postgresql or random) on 127.0.0.1:<random port>, prints the port on stdout and logs to
 * stderr only. Properties are unmarshalled here (secrets unwrapped, unknowns kept as the sentinel)
 * and marshalled back (secret inputs and secret outputs wrapped).
 */
import * as grpc from "@grpc/grpc-js";
import * as structPb from "google-protobuf/google/protobuf/struct_pb";
import * as emptyPb from "google-protobuf/google/protobuf/empty_pb";
import * as pluginPb from "@pulumi/pulumi/proto/plugin_pb";
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import * as providerGrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import { Props, unwrapSecrets, wrapSecrets, containsUnknown, Value } from "./props";
import { log } from "./log";
import { redact, rememberSecret } from "./redact";
import {
    CheckFailure,
    checkInputs,
    declaredOnly,
    DEFAULTS_KEY,
    diffInputs,
    previewCreate,
    previewUpdate,
    ResourceDef,
} from "./resource";

export interface Plugin {
    /** Plugin name: postgresql | random. */
    name: string;
    /** Version reported by GetPluginInfo (the SDK's version, so the engine sees no mismatch). */
    version: string;
    /** Validates provider config (no I/O). */
    checkConfig(config: Props): CheckFailure[];
    /** Applies provider config (no I/O: connections are lazy). */
    configure(config: Props): void;
    /** Resources by token. */
    resources: Record<string, ResourceDef<unknown>>;
    /** Functions (Invoke) by token; each receives the context and the plain arguments. */
    functions?: Record<string, (ctx: unknown, args: Props) => Promise<Props>>;
    /** The context resource operations receive (after Configure). */
    context(): unknown;
    /** Releases connections (Cancel, shutdown). */
    close?(): Promise<void>;
}

export { log };

type Handler<Req, Res> = (req: Req) => Promise<Res>;

function unary<Req, Res>(name: string, fn: Handler<Req, Res>) {
    return (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => {
        fn(call.request).then(
            (res) => callback(null, res),
            (err: unknown) => {
                const e = err as { code?: number; message?: string };
                // Errors go back to the engine, which prints them: no secret in them either.
                const message = redact(e?.message ?? String(err));
                if (e?.code !== grpc.status.UNIMPLEMENTED) log(`${name} failed: ${message}`);
                callback({ code: e?.code ?? grpc.status.UNKNOWN, details: message, message } as grpc.ServiceError);
            },
        );
    };
}

function unimplemented(method: string): Error & { code: number } {
    return Object.assign(new Error(`${method} is not implemented by the offline provider`), {
        code: grpc.status.UNIMPLEMENTED,
    });
}

function toStruct(v: Record<string, Value>): structPb.Struct {
    return structPb.Struct.fromJavaScript(v as Record<string, structPb.JavaScriptValue>);
}

function fromStruct(s: structPb.Struct | undefined) {
    return unwrapSecrets(s ? (s.toJavaScript() as Record<string, unknown>) : {});
}

/**
 * Check failures for the engine. A failure on a secret property carries no property path: the
 * engine prints the value of the property it names, which would reveal the secret (the reason
 * still names the property).
 */
function failureMsgs(failures: CheckFailure[], secret: Set<string> = new Set()): providerPb.CheckFailure[] {
    return failures.map((f) =>
        new providerPb.CheckFailure()
            .setProperty(secret.has(f.property.split(/[.[]/)[0]) ? "" : f.property)
            .setReason(f.reason),
    );
}

/** Keys to store as secrets: those that came in as secrets plus the resource's secret properties. */
function secretKeys(def: ResourceDef<unknown>, incoming: Set<string>): Set<string> {
    const keys = new Set(incoming);
    for (const [k, spec] of Object.entries(def.props)) if (spec.secret) keys.add(k);
    for (const k of def.secretOutputs ?? []) keys.add(k);
    return keys;
}

export interface Served {
    port: number;
    /** Stops the server (tests). */
    stop(): Promise<void>;
}

export function serve(plugin: Plugin): Promise<Served> {
    const resourceDef = (type: string, urn: string): ResourceDef<unknown> => {
        const def = plugin.resources[type];
        if (!def) {
            throw Object.assign(
                new Error(`${urn}: resource type "${type}" is not implemented by the offline ${plugin.name} provider`),
                { code: grpc.status.INVALID_ARGUMENT },
            );
        }
        return def;
    };
    const typeOf = (urn: string, type: string) => type || urn.split("::")[2] || "";
    let configured = false;
    const ctx = () => {
        if (!configured) plugin.configure({});
        configured = true;
        return plugin.context();
    };

    const impl: grpc.UntypedServiceImplementation = {
        getPluginInfo: unary("GetPluginInfo", async () => new pluginPb.PluginInfo().setVersion(plugin.version)),
        handshake: unary("Handshake", async () =>
            new providerPb.ProviderHandshakeResponse()
                .setAcceptSecrets(true)
                .setAcceptResources(false)
                .setAcceptOutputs(false)
                .setSupportsAutonamingConfiguration(false),
        ),
        getSchema: unary("GetSchema", async () =>
            new providerPb.GetSchemaResponse().setSchema(
                JSON.stringify({ name: plugin.name, version: plugin.version }),
            ),
        ),
        parameterize: unary("Parameterize", async () => {
            throw unimplemented("Parameterize");
        }),
        attach: unary("Attach", async () => {
            throw unimplemented("Attach");
        }),
        construct: unary("Construct", async () => {
            throw unimplemented("Construct");
        }),
        call: unary("Call", async () => {
            throw unimplemented("Call");
        }),
        invoke: unary("Invoke", async (req: providerPb.InvokeRequest) => {
            const fn = plugin.functions?.[req.getTok()];
            if (!fn) {
                throw Object.assign(
                    new Error(`function "${req.getTok()}" is not implemented by the offline provider`),
                    { code: grpc.status.UNIMPLEMENTED },
                );
            }
            const args = fromStruct(req.getArgs());
            const result = await fn(ctx(), args.props);
            return new providerPb.InvokeResponse().setReturn(toStruct(wrapSecrets(result, args.secrets)));
        }),
        getMapping: unary("GetMapping", async () => new providerPb.GetMappingResponse()),
        getMappings: unary("GetMappings", async () => new providerPb.GetMappingsResponse()),
        cancel: unary("Cancel", async () => {
            await plugin.close?.();
            return new emptyPb.Empty();
        }),

        checkConfig: unary("CheckConfig", async (req: providerPb.CheckRequest) => {
            const news = fromStruct(req.getNews());
            const failures = plugin.checkConfig(news.props);
            const secrets = new Set([...news.secrets, "password"]);
            return new providerPb.CheckResponse()
                .setInputs(toStruct(wrapSecrets(news.props, secrets)))
                .setFailuresList(failureMsgs(failures, secrets));
        }),
        diffConfig: unary("DiffConfig", async (req: providerPb.DiffRequest) => {
            const olds = fromStruct(req.getOldInputs() ?? req.getOlds()).props;
            const news = fromStruct(req.getNews()).props;
            const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
            const diffs = [...keys].filter(
                (k) => containsUnknown(news[k]) || JSON.stringify(olds[k]) !== JSON.stringify(news[k]),
            );
            const res = new providerPb.DiffResponse()
                .setChanges(
                    diffs.length
                        ? providerPb.DiffResponse.DiffChanges.DIFF_SOME
                        : providerPb.DiffResponse.DiffChanges.DIFF_NONE,
                )
                .setDiffsList(diffs);
            return res;
        }),
        configure: unary("Configure", async (req: providerPb.ConfigureRequest) => {
            let config: Props;
            if (req.hasArgs()) {
                config = fromStruct(req.getArgs()).props;
            } else {
                config = {};
                const prefix = `${plugin.name}:config:`;
                for (const [k, v] of req.getVariablesMap().entries()) {
                    config[k.startsWith(prefix) ? k.slice(prefix.length) : k] = v;
                }
            }
            // The admin password may arrive as a plain config variable, not marked secret.
            rememberSecret(config.password);
            plugin.configure(config);
            configured = true;
            return new providerPb.ConfigureResponse()
                .setAcceptsecrets(true)
                .setSupportspreview(true)
                .setAcceptresources(false)
                .setAcceptoutputs(false);
        }),

        check: unary("Check", async (req: providerPb.CheckRequest) => {
            const urn = req.getUrn();
            const def = resourceDef(typeOf(urn, req.getType()), urn);
            const olds = fromStruct(req.getOlds());
            const news = fromStruct(req.getNews());
            const name = req.getName() || urn.split("::").slice(-1)[0];
            const { inputs, failures } = checkInputs(def, {
                urn,
                name,
                olds: olds.props,
                news: news.props,
                randomSeed: req.getRandomseed_asU8(),
            });
            const secrets = secretKeys(def, news.secrets);
            return new providerPb.CheckResponse()
                .setInputs(toStruct(wrapSecrets(inputs, secrets)))
                .setFailuresList(failureMsgs(failures, secrets));
        }),
        diff: unary("Diff", async (req: providerPb.DiffRequest) => {
            const urn = req.getUrn();
            const def = resourceDef(typeOf(urn, req.getType()), urn);
            const olds = fromStruct(req.getOlds()).props;
            const news = fromStruct(req.getNews()).props;
            const d = diffInputs(def, olds, news, req.getIgnorechangesList());
            const res = new providerPb.DiffResponse()
                .setChanges(
                    d.changes
                        ? providerPb.DiffResponse.DiffChanges.DIFF_SOME
                        : providerPb.DiffResponse.DiffChanges.DIFF_NONE,
                )
                .setReplacesList(d.replaces)
                .setDiffsList(Object.keys(d.detailed))
                .setDeletebeforereplace(d.deleteBeforeReplace)
                .setHasdetaileddiff(true);
            const stables = Object.entries(def.props)
                .filter(([k, spec]) => spec.forceNew && !d.replaces.includes(k))
                .map(([k]) => k);
            res.setStablesList(stables);
            const map = res.getDetaileddiffMap();
            for (const [k, kind] of Object.entries(d.detailed)) {
                map.set(
                    k,
                    new providerPb.PropertyDiff().setKind(providerPb.PropertyDiff.Kind[kind]).setInputdiff(true),
                );
            }
            return res;
        }),
        create: unary("Create", async (req: providerPb.CreateRequest) => {
            const urn = req.getUrn();
            const def = resourceDef(typeOf(urn, req.getType()), urn);
            const inputs = fromStruct(req.getProperties());
            const secrets = secretKeys(def, inputs.secrets);
            if (req.getPreview()) {
                return new providerPb.CreateResponse()
                    .setId("")
                    .setProperties(toStruct(wrapSecrets(previewCreate(def, inputs.props), secrets)));
            }
            const r = await def.create(ctx(), declaredOnly(def, inputs.props));
            return new providerPb.CreateResponse()
                .setId(r.id)
                .setProperties(toStruct(wrapSecrets(declaredOnly(def, r.outputs), secrets)));
        }),
        read: unary("Read", async (req: providerPb.ReadRequest) => {
            const urn = req.getUrn();
            const def = resourceDef(typeOf(urn, req.getType()), urn);
            const state = fromStruct(req.getProperties());
            const inputs = fromStruct(req.getInputs());
            const r = await def.read(ctx(), req.getId(), declaredOnly(def, state.props));
            const res = new providerPb.ReadResponse();
            if (!r) return res.setId("");
            const secrets = secretKeys(def, new Set([...state.secrets, ...inputs.secrets]));
            res.setId(r.id).setProperties(toStruct(wrapSecrets(declaredOnly(def, r.outputs), secrets)));
            if (req.hasInputs() && Object.keys(inputs.props).length > 0) {
                res.setInputs(toStruct(wrapSecrets(inputs.props, secrets)));
            } else {
                // Import: the inputs are what the server reports for the declared inputs.
                const ins: Props = {};
                for (const k of Object.keys(def.props)) if (r.outputs[k] !== undefined) ins[k] = r.outputs[k];
                ins[DEFAULTS_KEY] = [];
                res.setInputs(toStruct(wrapSecrets(ins, secrets)));
            }
            return res;
        }),
        update: unary("Update", async (req: providerPb.UpdateRequest) => {
            const urn = req.getUrn();
            const def = resourceDef(typeOf(urn, req.getType()), urn);
            const olds = fromStruct(req.getOlds());
            const news = fromStruct(req.getNews());
            const secrets = secretKeys(def, new Set([...olds.secrets, ...news.secrets]));
            if (req.getPreview()) {
                return new providerPb.UpdateResponse().setProperties(
                    toStruct(wrapSecrets(previewUpdate(def, olds.props, news.props), secrets)),
                );
            }
            const r = await def.update(
                ctx(),
                req.getId(),
                declaredOnly(def, olds.props),
                declaredOnly(def, news.props),
            );
            return new providerPb.UpdateResponse().setProperties(
                toStruct(wrapSecrets(declaredOnly(def, r.outputs), secrets)),
            );
        }),
        delete: unary("Delete", async (req: providerPb.DeleteRequest) => {
            const urn = req.getUrn();
            const def = resourceDef(typeOf(urn, req.getType()), urn);
            const state = fromStruct(req.getProperties());
            await def.delete(ctx(), req.getId(), declaredOnly(def, state.props));
            return new emptyPb.Empty();
        }),
    };

    const server = new grpc.Server({
        "grpc.max_receive_message_length": 400 * 1024 * 1024,
        "grpc.max_send_message_length": 400 * 1024 * 1024,
    });
    server.addService(providerGrpc.ResourceProviderService, impl);
    return new Promise((resolve, reject) => {
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
            if (err) return reject(err);
            resolve({
                port,
                stop: async () => {
                    server.forceShutdown();
                    await plugin.close?.();
                },
            });
        });
    });
}
