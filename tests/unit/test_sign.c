/* test_sign.c - signature v1 and v3 against the vectors of aliyun-api.md §6
 * and §7 (official examples, SDK-confirmed vectors, captured SDK traffic),
 * plus the encoding, ordering and input checks those vectors do not reach. */
#include "config.h"

#include "sign.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>

#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* kv: name, value, name, value, ..., NULL */
static int add_all(struct params *p, const char *const *kv)
{
	for (; kv[0] != NULL; kv += 2)
		if (params_add(p, kv[0], kv[1]) != 0)
			return -1;
	return 0;
}

/* Split a raw (unencoded) "a=b&c=d" query, as captured from the SDK. */
static int add_raw_query(struct params *p, const char *q)
{
	char name[128], value[128];
	const char *amp, *eq;
	size_t len;

	while (*q != '\0') {
		amp = strchr(q, '&');
		len = amp ? (size_t)(amp - q) : strlen(q);
		eq = memchr(q, '=', len);
		if (eq == NULL || (size_t)(eq - q) >= sizeof(name) ||
		    len - (size_t)(eq - q) > sizeof(value))
			return -1;
		memcpy(name, q, (size_t)(eq - q));
		name[eq - q] = '\0';
		memcpy(value, eq + 1, len - (size_t)(eq - q) - 1);
		value[len - (size_t)(eq - q) - 1] = '\0';
		if (params_add(p, name, value) != 0)
			return -1;
		q += len;
		if (*q == '&')
			q++;
	}
	return 0;
}

static void check_encode(const char *in, const char *want, const char *what)
{
	struct strbuf b;
	int rc;

	strbuf_init(&b, 0);
	rc = sign_percent_encode(&b, in);
	is_int(rc, 0, "percent-encode %s: returns 0", what);
	is_str(rc == 0 ? (b.data ? b.data : "") : NULL, want, "percent-encode %s", what);
	strbuf_free(&b);
}

static void check_query(const char *const *kv, const char *want, const char *what)
{
	struct params p;
	struct strbuf b;
	int rc;

	params_init(&p);
	strbuf_init(&b, 0);
	rc = add_all(&p, kv);
	if (rc == 0)
		rc = sign_canonical_query(&p, &b);
	is_int(rc, 0, "canonical query %s: returns 0", what);
	is_str(rc == 0 ? (b.data ? b.data : "") : NULL, want, "canonical query %s", what);
	strbuf_free(&b);
	params_free(&p);
}

/* ---- params ---- */

static void test_params(void)
{
	struct params p;

	params_init(&p);
	is_int(params_add(&p, "A", "1"), 0, "params_add A");
	is_int(params_add(&p, "B", "2"), 0, "params_add B");
	is_str(params_get(&p, "A"), "1", "params_get A");
	is_str(params_get(&p, "B"), "2", "params_get B");
	ok(params_get(&p, "C") == NULL, "params_get of a missing name is NULL");
	ok(params_get(&p, "a") == NULL, "params_get is case-sensitive");
	is_int(params_set(&p, "A", "replaced"), 0, "params_set existing");
	is_str(params_get(&p, "A"), "replaced", "params_set replaced the value");
	is_int(p.count, 2, "params_set of an existing name does not add");
	is_int(params_set(&p, "C", "3"), 0, "params_set new");
	is_int(p.count, 3, "params_set of a new name adds");
	is_str(params_get(&p, "C"), "3", "params_set new value readable");
	is_int(params_add(&p, "", "x"), -1, "params_add refuses an empty name");
	is_int(params_add(&p, "D", NULL), -1, "params_add refuses a NULL value");
	is_int(p.count, 3, "refused adds leave the list alone");
	params_free(&p);
	ok(p.items == NULL && p.count == 0 && p.cap == 0, "params_free resets the list");
	/* Growth past the first allocation. */
	{
		char name[16];
		int i, bad = 0;

		for (i = 0; i < 100; i++) {
			snprintf(name, sizeof(name), "N%d", i);
			if (params_add(&p, name, name) != 0)
				bad++;
		}
		is_int(bad, 0, "100 params_add calls succeed");
		is_str(params_get(&p, "N99"), "N99", "the 100th param is kept");
		params_free(&p);
	}
}

/* ---- percent-encoding and canonical query ---- */

static void test_encoding(void)
{
	struct strbuf b;

	check_encode("", "", "empty string");
	check_encode(" ", "%20", "space");
	check_encode("*", "%2A", "asterisk");
	check_encode("~", "~", "tilde");
	check_encode("/", "%2F", "slash");
	check_encode("+", "%2B", "plus");
	check_encode("=", "%3D", "equals");
	check_encode("&", "%26", "ampersand");
	check_encode("%", "%25", "percent");
	check_encode("\xe4\xb8\xad", "%E4%B8%AD", "UTF-8 \"\xe4\xb8\xad\" (upper-case hex)");
	check_encode("\xff", "%FF", "byte 0xff");
	check_encode("AZaz09-_.~", "AZaz09-_.~", "unreserved set unchanged");
	check_encode("2016-02-23T12:46:24Z", "2016-02-23T12%3A46%3A24Z", "timestamp");

	strbuf_init(&b, 0);
	strbuf_puts(&b, "x=");
	is_int(sign_percent_encode(&b, "a b"), 0, "percent-encode appends");
	is_str(b.data, "x=a%20b", "percent-encode keeps what was in the buffer");
	strbuf_free(&b);

	strbuf_init(&b, 4);
	is_int(sign_percent_encode(&b, "a b"), -1, "percent-encode over the buffer limit fails");
	strbuf_free(&b);

	{
		static const char *const kv[] = { "b", "2", "a", "1", "c", "3", NULL };
		check_query(kv, "a=1&b=2&c=3", "sorted by name");
	}
	{
		/* Raw "a0" < "a:" and "z" < "\xe4\xb8\xad", but encoded
		 * "a%3A" < "a0" and "%E4%B8%AD" < "z". */
		static const char *const kv[] = { "a0",          "1", "a:", "2", "z", "3",
						  "\xe4\xb8\xad", "4", NULL };
		check_query(kv, "%E4%B8%AD=4&a%3A=2&a0=1&z=3", "sorted by encoded name");
	}
	{
		static const char *const kv[] = { "k", "b", "k", "a", "k", "*", NULL };
		check_query(kv, "k=%2A&k=a&k=b", "equal names ordered by encoded value");
	}
	{
		static const char *const kv[] = { "Empty", "", "A", "x y", NULL };
		check_query(kv, "A=x%20y&Empty=", "empty value as name=");
	}
	{
		static const char *const kv[] = { NULL };
		check_query(kv, "", "of no params");
	}
}

/* ---- signature v1 ---- */

static const char *const v1_official[] = {
	"AccessKeyId", "testid",
	"Action", "DescribeRegions",
	"Format", "XML",
	"Version", "2014-05-26",
	"SignatureMethod", "HMAC-SHA1",
	"SignatureVersion", "1.0",
	"SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
	"Timestamp", "2016-02-23T12:46:24Z",
	NULL
};

static const char *const v1_sts[] = {
	"Action", "DescribeInvocations",
	"Version", "2014-05-26",
	"Format", "JSON",
	"RegionId", "cn-hangzhou",
	"InvokeId", "t-hz0jdfwd9f****",
	"IncludeOutput", "true",
	"ContentEncoding", "Base64",
	"MaxResults", "50",
	"AccessKeyId", "STS.EXAMPLEID",
	"SecurityToken", "EXAMPLE-STS-TOKEN",
	"SignatureMethod", "HMAC-SHA1",
	"SignatureVersion", "1.0",
	"SignatureNonce", "0123456789abcdef0123456789abcdef",
	"Timestamp", "2024-01-02T03:04:05Z",
	NULL
};

/* Signs p and compares the signature; the string to sign is left in sts. */
static void check_v1(const struct params *p, const char *method, const char *secret,
		     const char *want, struct strbuf *sts, const char *what)
{
	char sig[SIGN_V1_SIGNATURE_SIZE] = "";
	int rc;

	rc = sign_v1(method, p, secret, sts, sig);
	is_int(rc, 0, "%s: sign_v1 returns 0", what);
	is_str(sig, want, "%s: signature", what);
}

static void test_v1(void)
{
	struct params p;
	struct strbuf sts, q;
	char sig[SIGN_V1_SIGNATURE_SIZE] = "";

	/* §6.3 official example. */
	params_init(&p);
	strbuf_init(&sts, 0);
	is_int(add_all(&p, v1_official), 0, "§6.3 params");
	check_v1(&p, "GET", "testsecret", "OLeaidS1JvxuMvnyHOwuJ+uX5qY=", &sts, "§6.3 GET");
	is_str(sts.data,
	       "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML"
	       "%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-"
	       "4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A"
	       "24Z%26Version%3D2014-05-26",
	       "§6.3 GET: exact StringToSign");
	strbuf_reset(&sts);
	check_v1(&p, "POST", "testsecret", "MxbnVAM4w6sft9xjVpe/GCKueuk=", &sts, "§6.3 POST");
	ok(sts.data != NULL && strncmp(sts.data, "POST&%2F&AccessKeyId%3Dtestid%26", 32) == 0,
	   "§6.3 POST: StringToSign starts with the real method");
	is_int(sign_v1("GET", &p, "testsecret", NULL, sig), 0, "string_to_sign may be NULL");
	is_str(sig, "OLeaidS1JvxuMvnyHOwuJ+uX5qY=", "same signature without string_to_sign");
	params_free(&p);
	strbuf_free(&sts);

	/* §6.4 STS vectors. */
	params_init(&p);
	strbuf_init(&sts, 0);
	strbuf_init(&q, 0);
	is_int(add_all(&p, v1_sts), 0, "§6.4 params");
	check_v1(&p, "GET", "EXAMPLESECRET", "H4it4V1xwSfF3itfXbblGI/Clr0=", &sts, "§6.4 GET");
	ok(sts.data && strstr(sts.data, "%26InvokeId%3Dt-hz0jdfwd9f%252A%252A%252A%252A%26"),
	   "§6.4: '*' is %%252A inside the StringToSign");
	ok(sts.data && strstr(sts.data, "%26SecurityToken%3DEXAMPLE-STS-TOKEN%26"),
	   "§6.4: SecurityToken is signed");
	check_v1(&p, "POST", "EXAMPLESECRET", "U/+WLD7a+eaWROXl4H1tyHjWaNg=", NULL, "§6.4 POST");
	is_int(sign_canonical_query(&p, &q), 0, "§6.4 canonical query");
	ok(q.data && strstr(q.data, "&InvokeId=t-hz0jdfwd9f%2A%2A%2A%2A&"),
	   "§6.4: '*' is %%2A in the canonical query");
	is_int(params_add(&p, "Signature", "H4it4V1xwSfF3itfXbblGI/Clr0="), 0, "add Signature");
	is_int(sign_v1("GET", &p, "EXAMPLESECRET", NULL, sig), -1,
	       "sign_v1 refuses params that already hold Signature");
	params_free(&p);
	strbuf_free(&sts);
	strbuf_free(&q);

	/* §6.4 request captured from the SDK (signatureAlgorithm "v2"). */
	params_init(&p);
	is_int(add_raw_query(&p, "Action=DescribeInvocations&Format=json&Version=2014-05-26"
				 "&Timestamp=2026-11-29T04:14:27Z&SignatureNonce=e9ac0010ac38"
				 "20418c0842b2038e299024707469135798720c23bba5edd83fff"
				 "&ContentEncoding=PlainText&IncludeOutput=true"
				 "&InvokeId=t-hz0jdfwd9f****&MaxResults=50&RegionId=cn-hangzhou"
				 "&SecurityToken=tok&SignatureMethod=HMAC-SHA1"
				 "&SignatureVersion=1.0&AccessKeyId=testid"),
	       0, "captured SDK query parsed");
	is_int(p.count, 14, "captured SDK query has 14 params");
	check_v1(&p, "POST", "testsecret", "A0Dc/W5PKjIPi88JYi7vR71MZn8=", NULL,
		 "§6.4 captured SDK POST");
	/* A retry signs again with a fresh nonce: the signature must change. */
	is_int(params_set(&p, "SignatureNonce", "ffff"), 0, "params_set new nonce");
	sig[0] = '\0';
	is_int(sign_v1("POST", &p, "testsecret", NULL, sig), 0, "re-sign after params_set");
	ok(strcmp(sig, "A0Dc/W5PKjIPi88JYi7vR71MZn8=") != 0 && strlen(sig) == 28,
	   "re-signed request has a different 28-character signature (got '%s')", sig);

	/* Input checks. */
	is_int(sign_v1("get", &p, "testsecret", NULL, sig), -1, "lower-case method refused");
	is_int(sign_v1("", &p, "testsecret", NULL, sig), -1, "empty method refused");
	is_int(sign_v1("GET", &p, "", NULL, sig), -1, "empty secret refused");
	strbuf_init(&sts, 8);
	is_int(sign_v1("GET", &p, "testsecret", &sts, sig), -1,
	       "string_to_sign over its limit fails the call");
	strbuf_free(&sts);
	params_free(&p);
}

/* Guards against a signature that ignores the secret. */
static void test_v1_wrong_secret(void)
{
	struct params p;
	char sig[SIGN_V1_SIGNATURE_SIZE] = "";

	params_init(&p);
	is_int(add_all(&p, v1_official), 0, "wrong secret: params");
	is_int(sign_v1("GET", &p, "testsecreT", NULL, sig), 0, "wrong secret: signs");
	ok(strlen(sig) == 28 && strcmp(sig, "OLeaidS1JvxuMvnyHOwuJ+uX5qY=") != 0,
	   "wrong secret: different signature");
	params_free(&p);
}

/* ---- signature v3 ---- */

#define V3_OFFICIAL_AUTH                                                                 \
	"ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;"    \
	"x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,"            \
	"Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"

static const char *const v3_official_query[] = {
	"ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
	"RegionId", "cn-shanghai",
	NULL
};

static const char *const v3_official_headers[] = {
	"host", "ecs.cn-shanghai.aliyuncs.com",
	"x-acs-action", "RunInstances",
	"x-acs-version", "2014-05-26",
	"x-acs-date", "2023-10-26T10:22:32Z",
	"x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d",
	"x-acs-content-sha256", EMPTY_SHA256,
	NULL
};

/* The same headers in another order and case, padded, plus unsigned ones. */
static const char *const v3_messy_headers[] = {
	"User-Agent", "check_ecs_invocation/1.0",
	"X-Acs-Version", "  2014-05-26\t",
	"Accept", "application/json",
	"x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d",
	"X-ACS-DATE", "2023-10-26T10:22:32Z ",
	"Host", "ecs.cn-shanghai.aliyuncs.com",
	"x-acs-content-sha256", EMPTY_SHA256,
	"x-acs-action", "\tRunInstances",
	NULL
};

static int v3_run(const char *const *query, const char *const *headers, const char *id,
		  const char *secret, struct strbuf *cr, struct strbuf *auth)
{
	struct params q, h;
	int rc = -1;

	params_init(&q);
	params_init(&h);
	if (add_all(&q, query) == 0 && add_all(&h, headers) == 0)
		rc = sign_v3("POST", "/", &q, &h, EMPTY_SHA256, id, secret, cr, auth);
	params_free(&q);
	params_free(&h);
	return rc;
}

static void test_v3_official(void)
{
	struct strbuf cr, auth;
	char hash[65] = "";

	strbuf_init(&cr, 0);
	strbuf_init(&auth, 0);
	is_int(v3_run(v3_official_query, v3_official_headers, "YourAccessKeyId",
		      "YourAccessKeySecret", &cr, &auth),
	       0, "§7.2: sign_v3 returns 0");
	is_str(auth.data, V3_OFFICIAL_AUTH, "§7.2: Authorization header");
	is_str(cr.data,
	       "POST\n/\n"
	       "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n"
	       "host:ecs.cn-shanghai.aliyuncs.com\n"
	       "x-acs-action:RunInstances\n"
	       "x-acs-content-sha256:" EMPTY_SHA256 "\n"
	       "x-acs-date:2023-10-26T10:22:32Z\n"
	       "x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\n"
	       "x-acs-version:2014-05-26\n"
	       "\n"
	       "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;"
	       "x-acs-version\n" EMPTY_SHA256,
	       "§7.2: canonical request");
	is_int(sign_sha256_hex(cr.data, cr.len, hash), 0, "§7.2: hash canonical request");
	is_str(hash, "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259",
	       "§7.2: hex(SHA256(CanonicalRequest))");

	strbuf_reset(&auth);
	is_int(v3_run(v3_official_query, v3_official_headers, "YourAccessKeyId",
		      "YourAccessKeySecret", NULL, &auth),
	       0, "§7.2 without canonical_request: returns 0");
	is_str(auth.data, V3_OFFICIAL_AUTH, "§7.2 without canonical_request: same header");

	strbuf_reset(&auth);
	is_int(v3_run(v3_official_query, v3_messy_headers, "YourAccessKeyId",
		      "YourAccessKeySecret", NULL, &auth),
	       0, "§7.2 with mixed-case, padded, reordered and unsigned headers: returns 0");
	is_str(auth.data, V3_OFFICIAL_AUTH,
	       "§7.2 names lower-cased, values trimmed, sorted, accept/user-agent not signed");

	strbuf_reset(&auth);
	is_int(v3_run(v3_official_query, v3_official_headers, "YourAccessKeyId",
		      "YourAccessKeySecreT", NULL, &auth),
	       0, "§7.2 wrong secret: returns 0");
	ok(auth.data && strncmp(auth.data, V3_OFFICIAL_AUTH, strlen(V3_OFFICIAL_AUTH) - 64) == 0 &&
		   strcmp(auth.data, V3_OFFICIAL_AUTH) != 0,
	   "§7.2 wrong secret: same prefix, different signature");
	strbuf_free(&cr);
	strbuf_free(&auth);
}

static void test_v3_sts(void)
{
	static const char *const query[] = {
		"RegionId", "cn-hangzhou",
		"InvokeId", "t-hz0jdfwd9f****",
		"IncludeOutput", "true",
		"ContentEncoding", "Base64",
		"MaxResults", "50",
		NULL
	};
	static const char *const headers[] = {
		"host", "ecs.cn-hangzhou.aliyuncs.com",
		"x-acs-action", "DescribeInvocations",
		"x-acs-version", "2014-05-26",
		"x-acs-date", "2024-01-02T03:04:05Z",
		"x-acs-signature-nonce", "0123456789abcdef0123456789abcdef",
		"x-acs-content-sha256", EMPTY_SHA256,
		"x-acs-security-token", "EXAMPLE-STS-TOKEN",
		"x-acs-accesskey-id", "STS.EXAMPLEID",
		NULL
	};
	static const char want_query[] = "ContentEncoding=Base64&IncludeOutput=true"
					 "&InvokeId=t-hz0jdfwd9f%2A%2A%2A%2A&MaxResults=50"
					 "&RegionId=cn-hangzhou";
	static const char want_signed[] = "host;x-acs-accesskey-id;x-acs-action;x-acs-content-"
					  "sha256;x-acs-date;x-acs-security-token;x-acs-"
					  "signature-nonce;x-acs-version";
	struct strbuf cr, auth, want;
	struct params q;
	char hash[65] = "";
	const char *line;

	strbuf_init(&cr, 0);
	strbuf_init(&auth, 0);
	strbuf_init(&want, 0);
	params_init(&q);
	is_int(add_all(&q, query), 0, "§7.3 query params");
	is_int(sign_canonical_query(&q, &cr), 0, "§7.3 canonical query");
	is_str(cr.data, want_query, "§7.3 CanonicalQueryString");
	strbuf_reset(&cr);

	is_int(v3_run(query, headers, "STS.EXAMPLEID", "EXAMPLESECRET", &cr, &auth), 0,
	       "§7.3: sign_v3 returns 0");
	line = cr.data ? strchr(cr.data, '\n') : NULL;
	line = line ? strchr(line + 1, '\n') : NULL;
	ok(line && strncmp(line + 1, want_query, sizeof(want_query) - 1) == 0 &&
		   line[sizeof(want_query)] == '\n',
	   "§7.3: third line of the canonical request is the canonical query");
	ok(cr.data && strstr(cr.data, "\n\n" "host;x-acs-accesskey-id;") != NULL &&
		   strstr(cr.data, "\nx-acs-security-token:EXAMPLE-STS-TOKEN\n") != NULL,
	   "§7.3: security token header is signed, blank line before SignedHeaders");
	is_int(sign_sha256_hex(cr.data, cr.len, hash), 0, "§7.3: hash canonical request");
	is_str(hash, "71aa774b72eace76ae6fe02d9ff183000c48ee2a8a7daaa49db25d8f3f8616a5",
	       "§7.3: hex(SHA256(CanonicalRequest))");
	strbuf_printf(&want,
		      "ACS3-HMAC-SHA256 Credential=STS.EXAMPLEID,SignedHeaders=%s,"
		      "Signature=7284a088ff88298b5ec85c28f3c92b704aa906b1c0ddfe11fc1c7decaddd0769",
		      want_signed);
	is_str(auth.data, want.data, "§7.3: SignedHeaders and Signature");
	params_free(&q);
	strbuf_free(&cr);
	strbuf_free(&auth);
	strbuf_free(&want);
}

static void test_v3_details(void)
{
	static const char *const query[] = { "B", "", "A", "1 2", NULL };
	static const char *const headers[] = {
		"x-acs-b", "second",
		"X-Acs-A", "one",
		"x-acs-b", "  first ",
		"Content-Type", "application/x-www-form-urlencoded",
		"Accept", "application/json",
		NULL
	};
	static const char *const bad_value[] = { "x-acs-date", "2024\r\nx-acs-x: y", NULL };
	static const char *const bad_name[] = { "x-acs-da te", "1", NULL };
	static const char *const bad_name_unsigned[] = { "Accept Me", "1", NULL };
	static const char *const none[] = { NULL };
	static const char auth_prefix[] = "ACS3-HMAC-SHA256 Credential=id,SignedHeaders="
					  "content-type;x-acs-a;x-acs-b,Signature=";
	struct strbuf cr, auth;
	struct params q, h;

	strbuf_init(&cr, 0);
	strbuf_init(&auth, 0);
	is_int(v3_run(query, headers, "id", "secret", &cr, &auth), 0, "v3 details: returns 0");
	is_str(cr.data,
	       "POST\n/\nA=1%202&B=\n"
	       "content-type:application/x-www-form-urlencoded\n"
	       "x-acs-a:one\n"
	       "x-acs-b:second,first\n"
	       "\n"
	       "content-type;x-acs-a;x-acs-b\n" EMPTY_SHA256,
	       "v3: empty query value as name=, repeated header merged in given order, "
	       "content-type signed, accept not");
	ok(auth.data && strncmp(auth.data, auth_prefix, sizeof(auth_prefix) - 1) == 0 &&
		   strlen(auth.data) == sizeof(auth_prefix) - 1 + 64,
	   "v3: each signed header named once in the Authorization header");

	strbuf_reset(&cr);
	strbuf_reset(&auth);
	is_int(v3_run(none, none, "id", "secret", &cr, &auth), 0, "v3 with nothing to sign");
	is_str(cr.data, "POST\n/\n\n\n\n" EMPTY_SHA256, "v3 with nothing to sign: request");

	strbuf_reset(&auth);
	is_int(v3_run(none, bad_value, "id", "secret", NULL, &auth), -1,
	       "v3 refuses a line break in a signed header value");
	is_int(v3_run(none, bad_name, "id", "secret", NULL, &auth), -1,
	       "v3 refuses a space in a signed header name");
	is_int(v3_run(none, bad_name_unsigned, "id", "secret", NULL, &auth), 0,
	       "v3 ignores headers it does not sign");
	is_int(v3_run(none, none, "id,x", "secret", NULL, &auth), -1,
	       "v3 refuses a ',' in the access key id");
	is_int(v3_run(none, none, "id", "", NULL, &auth), -1, "v3 refuses an empty secret");

	params_init(&q);
	params_init(&h);
	is_int(sign_v3("POST", "/", &q, &h, "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA4"
					   "95991B7852B855",
		       "id", "secret", NULL, &auth),
	       -1, "v3 refuses an upper-case payload hash");
	is_int(sign_v3("POST", "/", &q, &h, "", "id", "secret", NULL, &auth), -1,
	       "v3 refuses an empty payload hash");
	is_int(sign_v3("post", "/", &q, &h, EMPTY_SHA256, "id", "secret", NULL, &auth), -1,
	       "v3 refuses a lower-case method");
	is_int(sign_v3("POST", "", &q, &h, EMPTY_SHA256, "id", "secret", NULL, &auth), -1,
	       "v3 refuses an empty canonical URI");
	strbuf_free(&cr);
	strbuf_init(&cr, 10);
	is_int(sign_v3("POST", "/", &q, &h, EMPTY_SHA256, "id", "secret", &cr, &auth), -1,
	       "v3 fails when the canonical request does not fit its buffer");
	params_free(&q);
	params_free(&h);
	strbuf_free(&cr);
	strbuf_free(&auth);
}

/* ---- hashes, timestamp, nonce ---- */

static void test_misc(void)
{
	char hash[65] = "";
	char ts[SIGN_TIMESTAMP_SIZE] = "";
	char n1[SIGN_NONCE_SIZE] = "", n2[SIGN_NONCE_SIZE] = "";
	size_t i;
	int hex = 1;

	is_int(sign_sha256_hex("", 0, hash), 0, "sha256 of \"\": returns 0");
	is_str(hash, EMPTY_SHA256, "sha256 of \"\"");
	is_str(SIGN_EMPTY_SHA256, hash, "SIGN_EMPTY_SHA256 is the hash of an empty body");
	hash[0] = '\0';
	is_int(sign_sha256_hex(NULL, 0, hash), 0, "sha256 of NULL, 0: returns 0");
	is_str(hash, EMPTY_SHA256, "sha256 of NULL, 0");
	is_int(sign_sha256_hex("abc", 3, hash), 0, "sha256 of \"abc\": returns 0");
	is_str(hash, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	       "sha256 of \"abc\"");
	is_int(sign_sha256_hex(NULL, 1, hash), -1, "sha256 of NULL with a length is refused");

	is_int(sign_timestamp((time_t)1704164645, ts), 0, "timestamp 1704164645: returns 0");
	is_str(ts, "2024-01-02T03:04:05Z", "timestamp 1704164645");
	is_int(sign_timestamp((time_t)0, ts), 0, "timestamp 0: returns 0");
	is_str(ts, "1970-01-01T00:00:00Z", "timestamp 0");
	is_int(sign_timestamp((time_t)1456231584, ts), 0, "timestamp of §6.3: returns 0");
	is_str(ts, "2016-02-23T12:46:24Z", "timestamp of §6.3");
	if (sizeof(time_t) >= 8) {
		is_int(sign_timestamp((time_t)253402300799LL, ts), 0, "timestamp 9999: returns 0");
		is_str(ts, "9999-12-31T23:59:59Z", "timestamp at the end of year 9999");
		is_int(sign_timestamp((time_t)253402300800LL, ts), -1,
		       "timestamp in year 10000 is refused");
		is_int(sign_timestamp((time_t)-62167219200LL, ts), 0,
		       "timestamp year 0: returns 0");
		is_str(ts, "0000-01-01T00:00:00Z", "timestamp at the start of year 0");
		/* "-001-12-31T23:59:59Z" has the right length but is no timestamp. */
		is_int(sign_timestamp((time_t)-62167219201LL, ts), -1,
		       "timestamp before year 0 is refused");
	}

	is_int(sign_nonce(n1), 0, "first nonce: returns 0");
	is_int(sign_nonce(n2), 0, "second nonce: returns 0");
	is_int(strlen(n1), 32, "nonce has 32 characters");
	is_int(strlen(n2), 32, "second nonce has 32 characters");
	for (i = 0; i < 32; i++)
		if (!((n1[i] >= '0' && n1[i] <= '9') || (n1[i] >= 'a' && n1[i] <= 'f')) ||
		    !((n2[i] >= '0' && n2[i] <= '9') || (n2[i] >= 'a' && n2[i] <= 'f')))
			hex = 0;
	ok(hex, "nonces are lower-case hex ('%s', '%s')", n1, n2);
	ok(strcmp(n1, n2) != 0, "two nonces differ");
}

int main(void)
{
	test_params();
	test_encoding();
	test_v1();
	test_v1_wrong_secret();
	test_v3_official();
	test_v3_sts();
	test_v3_details();
	test_misc();
	return tap_done();
}
