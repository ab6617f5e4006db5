/**
 * The gRPC surface of the offline provider, in process (no database I/O): plugin info, Configure
 * (args or the variables fallback), CheckConfig failures, Check with secrets kept secret, preview
 * Create with unknown computed outputs, and a RandomPassword created through the wire.
 */
import * as grpc from "@grpc/grpc-js";
import * as structPb from "google-protobuf/google/protobuf/struct_pb";
import * as emptyPb from "google-protobuf/google/protobuf/empty_pb";
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import * as providerGrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import { postgresqlPlugin } from "../postgresql";
import { randomPlugin } from "../random";
import { serve, Served } from "../server";
import { SECRET_SIG, SIG_KEY, UNKNOWN } from "../props";

type Client = InstanceType<typeof providerGrpc.ResourceProviderClient>;

function call<Req, Res>(client: Client, method: string, req: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
        const fn = (
            client as unknown as Record<string, (r: Req, cb: (e: grpc.ServiceError | null, r: Res) => void) => void>
        )[method].bind(client);
        fn(req, (err, res) => (err ? reject(err) : resolve(res)));
    });
}

const struct = (o: Record<string, unknown>) =>
    structPb.Struct.fromJavaScript(o as Record<string, structPb.JavaScriptValue>);
const secret = (v: unknown) => ({ [SIG_KEY]: SECRET_SIG, value: v });

let pgServer: Served;
let rndServer: Served;
let pgClient: Client;
let rndClient: Client;

beforeAll(async () => {
    pgServer = await serve(postgresqlPlugin());
    rndServer = await serve(randomPlugin());
    pgClient = new providerGrpc.ResourceProviderClient(`127.0.0.1:${pgServer.port}`, grpc.credentials.createInsecure());
    rndClient = new providerGrpc.ResourceProviderClient(
        `127.0.0.1:${rndServer.port}`,
        grpc.credentials.createInsecure(),
    );
});

afterAll(async () => {
    pgClient.close();
    rndClient.close();
    await pgServer.stop();
    await rndServer.stop();
});

test("GetPluginInfo reports the SDK versions", async () => {
    const info = await call<emptyPb.Empty, { getVersion(): string }>(pgClient, "getPluginInfo", new emptyPb.Empty());
    expect(info.getVersion()).toBe("3.18.1");
    const rnd = await call<emptyPb.Empty, { getVersion(): string }>(rndClient, "getPluginInfo", new emptyPb.Empty());
    expect(rnd.getVersion()).toBe("4.21.2");
});

test("Configure reads args, falls back to variables, accepts secrets and previews", async () => {
    const req = new providerPb.ConfigureRequest().setArgs(
        struct({ host: "127.0.0.1", port: "1", password: secret("pw"), superuser: "false" }),
    );
    const res = await call<providerPb.ConfigureRequest, providerPb.ConfigureResponse>(pgClient, "configure", req);
    expect(res.getAcceptsecrets()).toBe(true);
    expect(res.getSupportspreview()).toBe(true);
    const vars = new providerPb.ConfigureRequest();
    vars.getVariablesMap().set("postgresql:config:host", "h").set("postgresql:config:port", "5433");
    await call(pgClient, "configure", vars);
    const bad = new providerPb.ConfigureRequest().setArgs(struct({ host: "h", awsRdsIamAuth: "true" }));
    await expect(call(pgClient, "configure", bad)).rejects.toThrow(/awsRdsIamAuth" is not supported/);
});

test("CheckConfig names unknown keys", async () => {
    const req = new providerPb.CheckRequest()
        .setUrn("urn:pulumi:s::p::pulumi:providers:postgresql::p")
        .setNews(struct({ host: "h", colour: "red" }));
    const res = await call<providerPb.CheckRequest, providerPb.CheckResponse>(pgClient, "checkConfig", req);
    expect(res.getFailuresList().map((f) => f.getProperty())).toEqual(["colour"]);
});

test("Check keeps secrets secret and applies defaults; preview Create leaves computed outputs unknown", async () => {
    const urn = "urn:pulumi:s::p::postgresql:index/role:Role::app";
    const check = new providerPb.CheckRequest()
        .setUrn(urn)
        .setType("postgresql:index/role:Role")
        .setName("app")
        .setNews(struct({ name: "app", password: secret("pw"), login: true }))
        .setOlds(struct({}));
    const checked = await call<providerPb.CheckRequest, providerPb.CheckResponse>(pgClient, "check", check);
    expect(checked.getFailuresList()).toEqual([]);
    const inputs = checked.getInputs()!.toJavaScript();
    expect(inputs.password).toEqual(secret("pw"));
    expect(inputs).toMatchObject({ connectionLimit: -1, inherit: true, validUntil: "infinity" });

    const dbUrn = "urn:pulumi:s::p::postgresql:index/database:Database::db";
    const create = new providerPb.CreateRequest()
        .setUrn(dbUrn)
        .setType("postgresql:index/database:Database")
        .setPreview(true)
        .setProperties(struct({ name: "db", connectionLimit: -1 }));
    const created = await call<providerPb.CreateRequest, providerPb.CreateResponse>(pgClient, "create", create);
    expect(created.getProperties()!.toJavaScript()).toMatchObject({ name: "db", owner: UNKNOWN, encoding: UNKNOWN });
});

test("an unknown token is a clear error", async () => {
    const req = new providerPb.CheckRequest()
        .setUrn("urn:pulumi:s::p::postgresql:index/server:Server::x")
        .setType("postgresql:index/server:Server");
    await expect(call(pgClient, "check", req)).rejects.toThrow(/postgresql:index\/server:Server" is not implemented/);
});

test("RandomPassword over the wire: ID none, result secret", async () => {
    const urn = "urn:pulumi:s::p::random:index/randomPassword:RandomPassword::pw";
    const req = new providerPb.CreateRequest()
        .setUrn(urn)
        .setType("random:index/randomPassword:RandomPassword")
        .setProperties(
            struct({
                length: 24,
                special: false,
                upper: true,
                lower: true,
                numeric: true,
                number: true,
                minUpper: 0,
                minLower: 0,
                minNumeric: 0,
                minSpecial: 0,
            }),
        );
    const res = await call<providerPb.CreateRequest, providerPb.CreateResponse>(rndClient, "create", req);
    expect(res.getId()).toBe("none");
    const out = res.getProperties()!.toJavaScript() as Record<string, { value: string }>;
    expect(out.result[SIG_KEY as never]).toBe(SECRET_SIG);
    expect(out.result.value).toMatch(/^[A-Za-z0-9]{24}$/);
});
