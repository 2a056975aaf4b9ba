"""Pure signing functions for the Alibaba Cloud RPC API, as the test simulator
verifies them.

Two schemes (see docs aliyun-api.md §6 and §7):

* RPC signature v1: HMAC-SHA1 over
  METHOD "&" "%2F" "&" percent(canonical query), key = secret + "&".
* V3: ACS3-HMAC-SHA256 over "ACS3-HMAC-SHA256\\n" hex(SHA256(canonical request)),
  key = secret.

Written from the published algorithm with hmac/hashlib only; the module has no
state and no I/O so that test_sim.t can check it against the official vectors
before trusting the simulator that uses it.
"""

import base64
import hashlib
import hmac

V3_ALGORITHM = "ACS3-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

# RFC 3986 unreserved characters: the only ones left unencoded.
_UNRESERVED = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


def percent_encode(value):
    """Percent-encode a str (as UTF-8) or bytes the way both schemes want:
    unreserved characters kept, everything else %XY with upper-case hex, so
    space is %20 (never +), '*' is %2A and '~' stays."""
    if isinstance(value, str):
        value = value.encode("utf-8")
    out = []
    for byte in value:
        if byte in _UNRESERVED:
            out.append(chr(byte))
        else:
            out.append("%%%02X" % byte)
    return "".join(out)


# ---------------------------------------------------------------- v1 (RPC)

def v1_canonical_query(params):
    """params: mapping name -> value (str), without Signature.
    Sorted by encoded name (byte order), joined as name=value with '&'."""
    pairs = sorted((percent_encode(k), percent_encode(v))
                   for k, v in params.items())
    return "&".join("%s=%s" % kv for kv in pairs)


def v1_string_to_sign(method, params):
    return "%s&%s&%s" % (method.upper(), percent_encode("/"),
                         percent_encode(v1_canonical_query(params)))


def v1_signature(secret, method, params):
    """Base64 HMAC-SHA1 signature of params (Signature itself excluded)."""
    params = {k: v for k, v in params.items() if k != "Signature"}
    sts = v1_string_to_sign(method, params)
    mac = hmac.new((secret + "&").encode("utf-8"), sts.encode("utf-8"),
                   hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


# ---------------------------------------------------------------- v3 (ACS3)

def v3_canonical_query(params):
    """Sorted by (encoded) name; name=percent(value); 'name=' for empty."""
    pairs = sorted((percent_encode(k), percent_encode(v))
                   for k, v in params.items())
    return "&".join("%s=%s" % kv for kv in pairs)


def v3_canonical_headers(headers, signed_names):
    """headers: mapping lower-case name -> value (duplicates already joined
    with ','); signed_names: the lower-case names to sign. Returns
    (canonical_headers, signed_headers_string), names sorted."""
    names = sorted(n.lower() for n in signed_names)
    lines = "".join("%s:%s\n" % (n, headers.get(n, "").strip())
                    for n in names)
    return lines, ";".join(names)


def v3_canonical_request(method, uri, params, headers, signed_names,
                         payload_hash):
    canon_headers, signed = v3_canonical_headers(headers, signed_names)
    return "\n".join([method.upper(), uri, v3_canonical_query(params),
                      canon_headers, signed, payload_hash])


def v3_string_to_sign(canonical_request):
    digest = hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()
    return "%s\n%s" % (V3_ALGORITHM, digest)


def v3_signature(secret, string_to_sign):
    return hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"),
                    hashlib.sha256).hexdigest()


def v3_authorization(access_key_id, secret, method, uri, params, headers,
                     signed_names, payload_hash):
    """The whole Authorization header value a client would send."""
    creq = v3_canonical_request(method, uri, params, headers, signed_names,
                                payload_hash)
    sig = v3_signature(secret, v3_string_to_sign(creq))
    _, signed = v3_canonical_headers(headers, signed_names)
    return "%s Credential=%s,SignedHeaders=%s,Signature=%s" % (
        V3_ALGORITHM, access_key_id, signed, sig)


def parse_v3_authorization(value):
    """Parse 'ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..'.
    Returns dict(algorithm, credential, signed_headers (list), signature) or
    raises ValueError naming what is wrong."""
    value = value.strip()
    algorithm, sep, rest = value.partition(" ")
    if not sep:
        raise ValueError("no credentials after the algorithm")
    fields = {}
    for part in rest.split(","):
        name, eq, val = part.strip().partition("=")
        if not eq or not name:
            raise ValueError("malformed element %r" % part.strip())
        if name in fields:
            raise ValueError("duplicate element %s" % name)
        fields[name] = val.strip()
    for need in ("Credential", "SignedHeaders", "Signature"):
        if not fields.get(need):
            raise ValueError("missing %s" % need)
    extra = set(fields) - {"Credential", "SignedHeaders", "Signature"}
    if extra:
        raise ValueError("unknown element %s" % sorted(extra)[0])
    return {
        "algorithm": algorithm,
        "credential": fields["Credential"],
        "signed_headers": fields["SignedHeaders"].split(";"),
        "signature": fields["Signature"],
    }


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def constant_time_equal(a, b):
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
