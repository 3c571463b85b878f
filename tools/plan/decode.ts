/**
 * A registration's inputs as the offline runtime records them: the value the program gave (secrets
 * unwrapped) and its display form (secrets "[secret]", unknowns "[unknown]", resource references as
 * their URN), from the protobuf Struct the SDK serialized them into, or from the value behind a lazy
 * Struct (sdk-pending.ts).
 */
import { sortedCopy, sortedKeys, STRUCT_JS } from "./sdk-pending";

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
const SPECIAL_SIG = "4dabf18193072939515e22adb298388d";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A value decoded twice over: as the program gave it (secrets unwrapped) and for display. */
export type Decoded = [value: any, display: any];

// google.protobuf.Value's kind (struct.proto): the field numbers of its `oneof kind`.
const NULL_VALUE = 1;
const NUMBER_VALUE = 2;
const STRING_VALUE = 3;
const BOOL_VALUE = 4;
const STRUCT_VALUE = 5;
const LIST_VALUE = 6;

/**
 * Turns the registered inputs, as the SDK serialized them into a protobuf Struct, into plain values and
 * their display form (secrets "[secret]", unknowns "[unknown]", resource references as their URN) in one
 * walk: the same result as `Struct.toJavaScript()` followed by a decode for each form, at a third of the
 * allocation, which is most of what the offline runtime adds to each resource the SDK registers.
 */
function decodeValue(v: any): Decoded {
  switch (v.getKindCase()) {
    case NULL_VALUE:
      return [null, null];
    case NUMBER_VALUE: {
      const n = v.getNumberValue();
      return [n, n];
    }
    case STRING_VALUE: {
      const s = v.getStringValue();
      return s === UNKNOWN ? [undefined, "[unknown]"] : [s, s];
    }
    case BOOL_VALUE: {
      const b = v.getBoolValue();
      return [b, b];
    }
    case STRUCT_VALUE:
      return decodeStruct(v.getStructValue());
    case LIST_VALUE: {
      const value: any[] = [];
      const display: any[] = [];
      for (const x of v.getListValue().getValuesList()) {
        const [a, b] = decodeValue(x);
        value.push(a);
        display.push(b);
      }
      return [value, display];
    }
    default:
      throw new Error("offline: unexpected protobuf Value kind");
  }
}

function decodeStruct(s: any): Decoded {
  const fields = s.getFieldsMap();
  const sig = fields.get(SPECIAL_SIG);
  if (sig && sig.getKindCase() === STRING_VALUE) {
    switch (sig.getStringValue()) {
      case SECRET_SIG: {
        const inner = fields.get("value");
        return [inner ? decodeValue(inner)[0] : undefined, "[secret]"];
      }
      case RESOURCE_SIG: {
        const urn = fields.get("urn")?.toJavaScript();
        return [urn, urn];
      }
      case ASSET_SIG:
      case ARCHIVE_SIG: {
        const o = s.toJavaScript();
        return [o, `[asset ${o.path ?? o.uri ?? "inline"}]`];
      }
    }
  }
  const value: Record<string, any> = {};
  const display: Record<string, any> = {};
  fields.forEach((x: any, k: string) => {
    const [a, b] = decodeValue(x);
    value[k] = a;
    display[k] = b;
  });
  return [value, display];
}

/**
 * decodeValue for the JavaScript value a lazy Struct stands for (sdk-load.ts): the same result, read
 * from the value the SDK serialized instead of from protobuf messages built from it.
 */
function decodeJs(v: unknown): Decoded {
  if (v === null) return [null, null];
  if (typeof v === "string") return v === UNKNOWN ? [undefined, "[unknown]"] : [v, v];
  if (typeof v === "number" || typeof v === "boolean") return [v, v];
  if (Array.isArray(v)) {
    const value: any[] = [];
    const display: any[] = [];
    for (const x of v) {
      const [a, b] = decodeJs(x);
      value.push(a);
      display.push(b);
    }
    return [value, display];
  }
  if (typeof v === "object") return decodeJsObject(v as Record<string, unknown>);
  throw new Error("offline: unexpected value in a registration");
}

/** decodeStruct for a JavaScript object: fields in protobuf's (sorted) order. */
function decodeJsObject(o: Record<string, unknown>): Decoded {
  switch (typeof o[SPECIAL_SIG] === "string" ? o[SPECIAL_SIG] : undefined) {
    case SECRET_SIG:
      return [o.value === undefined ? undefined : decodeJs(o.value)[0], "[secret]"];
    case RESOURCE_SIG: {
      const urn = o.urn === undefined ? undefined : sortedCopy(o.urn);
      return [urn, urn];
    }
    case ASSET_SIG:
    case ARCHIVE_SIG: {
      const a = sortedCopy(o) as Record<string, any>;
      return [a, `[asset ${a.path ?? a.uri ?? "inline"}]`];
    }
  }
  const value: Record<string, any> = {};
  const display: Record<string, any> = {};
  for (const k of sortedKeys(o)) {
    const [a, b] = decodeJs(o[k]);
    value[k] = a;
    display[k] = b;
  }
  return [value, display];
}

/** The inputs of one RegisterResource request, decoded once for both forms. */
export function decodeInputs(struct: any): Decoded {
  if (!struct) return [{}, {}];
  const js = struct[STRUCT_JS];
  return js !== undefined ? decodeJsObject(js) : decodeStruct(struct);
}
