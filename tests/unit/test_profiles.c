/* test_profiles.c - credential files: the aliyun CLI's config.json and the
 * SDKs' INI file are read as those tools read them, anything else is refused
 * with a message that names the problem and never a secret, and a file
 * others may read is not read at all. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profiles.h"
#include "tap.h"

#define CLI_PATH "/home/x/.aliyun/config.json"
#define INI_PATH "/home/x/.alibabacloud/credentials"

/* Fixture values; the secret ones must never show up in a message. */
#define ID "LTAI5tFixtureKeyId"
#define SECRET "s3cretFixtureValue9"
#define TOKEN "t0kenFixtureValue7"
#define ARN "acs:ram::1234567890:role/monitor"
/* Jansson quotes up to 20 characters near a syntax error: a secret that
 * short (or the start of a longer one) is what could leak there. */
#define SHORT "sEcr3tQ"

/* JSON fixtures are written with ' for ", which keeps them readable. */
static const char *J(const char *s)
{
	static char buf[8192];
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < sizeof(buf); i++)
		buf[i] = s[i] == '\'' ? '"' : s[i];
	buf[i] = '\0';
	return buf;
}

static bool spec_empty(const struct cred_spec *s)
{
	return s->kind == CRED_NONE && s->access_key_id == NULL && s->access_key_secret == NULL &&
	       s->security_token == NULL && s->role_name == NULL && s->role_arn == NULL &&
	       s->session_name == NULL && s->policy == NULL && s->sts_region == NULL &&
	       s->region == NULL && s->duration_s == 0 && s->source[0] == '\0';
}

static void no_secret(const char *text, const char *what)
{
	ok(strstr(text, SECRET) == NULL && strstr(text, TOKEN) == NULL && strstr(text, SHORT) == NULL,
	   "%s: no secret in '%s'", what, text);
}

static int cli(const char *json, const char *name, struct cred_spec *spec, struct fault *f)
{
	const char *text = J(json);

	fault_clear(f);
	return profiles_parse_cli(text, strlen(text), CLI_PATH, name, spec, f);
}

static int ini(const char *text, const char *section, struct cred_spec *spec, struct fault *f)
{
	fault_clear(f);
	return profiles_parse_ini(text, strlen(text), INI_PATH, section, spec, f);
}

/* A refusal: PROFILE_ERROR, a credentials fault whose text has want and
 * also (when not NULL), no secret, and an empty spec. */
static void refused(int rc, struct cred_spec *spec, const struct fault *f, const char *want,
		    const char *also, const char *what)
{
	is_int(rc, PROFILE_ERROR, "%s: refused", what);
	is_int(f->klass, FAULT_CREDENTIALS, "%s: a credentials fault", what);
	ok(strstr(f->text, want) != NULL && (also == NULL || strstr(f->text, also) != NULL),
	   "%s: says '%s'%s%s: %s", what, want, also ? " and " : "", also ? also : "", f->text);
	no_secret(f->text, what);
	ok(spec_empty(spec), "%s: the spec is left empty", what);
	if (!spec_empty(spec))
		cred_spec_free(spec);
}

static void cli_refused(const char *json, const char *name, const char *want, const char *also,
			const char *what)
{
	struct cred_spec spec;
	struct fault f;
	int rc = cli(json, name, &spec, &f);

	refused(rc, &spec, &f, want, also, what);
}

static void ini_refused(const char *text, const char *section, const char *want,
			const char *also, const char *what)
{
	struct cred_spec spec;
	struct fault f;
	int rc = ini(text, section, &spec, &f);

	refused(rc, &spec, &f, want, also, what);
}

/* ---- config.json ---- */

/* A profile as the CLI writes it: every key, empty strings and zeroes for
 * what the mode does not use. */
#define CLI_AK_FULL                                                                              \
	"{'current':'default','profiles':[{'name':'default','mode':'AK','access_key_id':'" ID \
	"','access_key_secret':'" SECRET "','sts_token':'','sts_region':'','ram_role_name':'',"  \
	"'ram_role_arn':'','ram_session_name':'','source_profile':'','private_key':'',"          \
	"'key_pair_name':'','expired_seconds':0,'verified':'','region_id':'cn-hangzhou',"        \
	"'output_format':'json','language':'en','site':'','retry_timeout':0,'connect_timeout':0," \
	"'retry_count':0,'process_command':'','credentials_uri':'','oidc_provider_arn':'',"      \
	"'oidc_token_file':'','cloud_sso_sign_in_url':'','cloud_sso_access_config':'',"          \
	"'cloud_sso_account_id':'','auto_plugin_install':false}],'meta_path':''}"

static void test_cli_modes(void)
{
	struct cred_spec s;
	struct fault f;

	is_int(cli(CLI_AK_FULL, NULL, &s, &f), PROFILE_FOUND, "AK: a file as the CLI writes it");
	is_int(s.kind, CRED_ACCESS_KEY, "AK: kind");
	is_str(s.access_key_id, ID, "AK: access_key_id");
	is_str(s.access_key_secret, SECRET, "AK: access_key_secret");
	ok(s.security_token == NULL && s.role_name == NULL && s.role_arn == NULL &&
	   s.session_name == NULL && s.sts_region == NULL && s.duration_s == 0,
	   "AK: nothing else set");
	is_str(s.region, "cn-hangzhou", "AK: region_id");
	is_str(s.source, "profile 'default' (mode AK) in " CLI_PATH, "AK: source");
	cred_spec_free(&s);
	ok(spec_empty(&s), "cred_spec_free leaves the spec empty");

	is_int(cli("{'current':'p','profiles':[{'name':'p','mode':'ak','access_key_id':'" ID
		   "','access_key_secret':'" SECRET "'}]}",
		   NULL, &s, &f),
	       PROFILE_FOUND, "mode 'ak' (any case)");
	is_int(s.kind, CRED_ACCESS_KEY, "... is AK");
	ok(s.region == NULL, "... no region_id: region NULL");
	is_str(s.source, "profile 'p' (mode AK) in " CLI_PATH, "... source names the mode as AK");
	cred_spec_free(&s);

	is_int(cli("{'current':'p','profiles':[{'name':'p','mode':'AK','access_key_id':'" ID
		   "','access_key_secret':'" SECRET "','sts_token':'" TOKEN "'}]}",
		   NULL, &s, &f),
	       PROFILE_FOUND, "AK with a stray sts_token");
	ok(s.kind == CRED_ACCESS_KEY && s.security_token == NULL, "... the token is not used");
	cred_spec_free(&s);

	is_int(cli("{'current':'p','profiles':[{'name':'p','mode':'STSTOKEN','access_key_id':'" ID
		   "','access_key_secret':'" SECRET "','sts_token':'" TOKEN
		   "','region_id':'eu-central-1'}]}",
		   NULL, &s, &f),
	       PROFILE_FOUND, "StsToken");
	is_int(s.kind, CRED_STS_TOKEN, "StsToken: kind");
	is_str(s.access_key_id, ID, "StsToken: access_key_id");
	is_str(s.access_key_secret, SECRET, "StsToken: access_key_secret");
	is_str(s.security_token, TOKEN, "StsToken: sts_token");
	is_str(s.region, "eu-central-1", "StsToken: region_id");
	is_str(s.source, "profile 'p' (mode StsToken) in " CLI_PATH, "StsToken: source");
	cred_spec_free(&s);

	is_int(cli("{'current':'r','profiles':[{'name':'r','mode':'EcsRamRole',"
		   "'ram_role_name':'MonitorRole','region_id':'cn-beijing'}]}",
		   NULL, &s, &f),
	       PROFILE_FOUND, "EcsRamRole");
	is_int(s.kind, CRED_ECS_RAM_ROLE, "EcsRamRole: kind");
	is_str(s.role_name, "MonitorRole", "EcsRamRole: ram_role_name");
	ok(s.access_key_id == NULL && s.access_key_secret == NULL, "EcsRamRole: no keys");
	is_str(s.region, "cn-beijing", "EcsRamRole: region_id");
	is_str(s.source, "profile 'r' (mode EcsRamRole) in " CLI_PATH, "EcsRamRole: source");
	cred_spec_free(&s);

	is_int(cli("{'current':'r','profiles':[{'name':'r','mode':'EcsRamRole','ram_role_name':''}]}",
		   NULL, &s, &f),
	       PROFILE_FOUND, "EcsRamRole with an empty ram_role_name");
	ok(s.kind == CRED_ECS_RAM_ROLE && s.role_name == NULL, "... role_name NULL: discover it");
	cred_spec_free(&s);

	is_int(cli("{'current':'a','profiles':[{'name':'a','mode':'RamRoleArn','access_key_id':'" ID
		   "','access_key_secret':'" SECRET "','ram_role_arn':'" ARN
		   "','ram_session_name':'nagios','expired_seconds':1800,'sts_region':'cn-shanghai',"
		   "'region_id':'cn-hangzhou'}]}",
		   NULL, &s, &f),
	       PROFILE_FOUND, "RamRoleArn");
	is_int(s.kind, CRED_RAM_ROLE_ARN, "RamRoleArn: kind");
	is_str(s.access_key_id, ID, "RamRoleArn: access_key_id");
	is_str(s.access_key_secret, SECRET, "RamRoleArn: access_key_secret");
	is_str(s.role_arn, ARN, "RamRoleArn: ram_role_arn");
	is_str(s.session_name, "nagios", "RamRoleArn: ram_session_name");
	is_int(s.duration_s, 1800, "RamRoleArn: expired_seconds");
	is_str(s.sts_region, "cn-shanghai", "RamRoleArn: sts_region");
	is_str(s.region, "cn-hangzhou", "RamRoleArn: region_id");
	ok(s.security_token == NULL, "RamRoleArn: no token");
	is_str(s.source, "profile 'a' (mode RamRoleArn) in " CLI_PATH, "RamRoleArn: source");
	cred_spec_free(&s);

	is_int(cli("{'current':'a','profiles':[{'name':'a','mode':'ramrolearn','access_key_id':'" ID
		   "','access_key_secret':'" SECRET "','ram_role_arn':'" ARN "','ram_session_name':'',"
		   "'sts_region':'','expired_seconds':0,'sts_token':'" TOKEN "'}]}",
		   NULL, &s, &f),
	       PROFILE_FOUND, "RamRoleArn with only what it needs, and a token");
	ok(s.session_name == NULL && s.sts_region == NULL && s.duration_s == 0 && s.policy == NULL,
	   "... the optional fields are NULL/0 (the defaults)");
	is_str(s.security_token, TOKEN, "... the token signs AssumeRole, as in the CLI");
	cred_spec_free(&s);
}

static void test_cli_inferred(void)
{
	struct cred_spec s;
	struct fault f;

	is_int(cli("{'current':'p','profiles':[{'name':'p','access_key_id':'" ID
		   "','access_key_secret':'" SECRET "'}]}",
		   NULL, &s, &f),
	       PROFILE_FOUND, "no mode, an AccessKey pair");
	is_int(s.kind, CRED_ACCESS_KEY, "... inferred AK");
	is_str(s.source, "profile 'p' (mode AK) in " CLI_PATH, "... source says AK");
	cred_spec_free(&s);

	is_int(cli("{'current':'p','profiles':[{'name':'p','mode':'','access_key_id':'" ID
		   "','access_key_secret':'" SECRET "','sts_token':'" TOKEN "'}]}",
		   NULL, &s, &f),
	       PROFILE_FOUND, "empty mode, pair and sts_token");
	ok(s.kind == CRED_STS_TOKEN && s.security_token != NULL && strcmp(s.security_token, TOKEN) == 0,
	   "... inferred StsToken");
	cred_spec_free(&s);

	is_int(cli("{'current':'p','profiles':[{'name':'p','mode':null,'access_key_id':'" ID
		   "','access_key_secret':'" SECRET "','ram_role_arn':'" ARN "'}]}",
		   NULL, &s, &f),
	       PROFILE_FOUND, "null mode, pair and ram_role_arn");
	ok(s.kind == CRED_RAM_ROLE_ARN && s.role_arn != NULL && strcmp(s.role_arn, ARN) == 0,
	   "... inferred RamRoleArn");
	cred_spec_free(&s);

	is_int(cli("{'current':'p','profiles':[{'name':'p','access_key_id':'" ID
		   "','access_key_secret':'" SECRET "','ram_role_arn':'" ARN "','sts_token':'" TOKEN
		   "'}]}",
		   NULL, &s, &f),
	       PROFILE_FOUND, "no mode, pair, ram_role_arn and sts_token");
	is_int(s.kind, CRED_STS_TOKEN, "... the token wins, as in AutoModeRecognition");
	cred_spec_free(&s);

	is_int(cli("{'current':'p','profiles':[{'name':'p','ram_role_name':'R','access_key_id':'" ID
		   "'}]}",
		   NULL, &s, &f),
	       PROFILE_FOUND, "no mode, ram_role_name and half a pair");
	ok(s.kind == CRED_ECS_RAM_ROLE && s.role_name != NULL && strcmp(s.role_name, "R") == 0 &&
	   s.access_key_id == NULL,
	   "... inferred EcsRamRole");
	cred_spec_free(&s);

	cli_refused("{'current':'p','profiles':[{'name':'p','region_id':'cn-hangzhou',"
		    "'access_key_secret':'" SECRET "'}]}",
		    NULL, "has no mode", "profile 'p'", "no mode and nothing to infer one from");
}

static void test_cli_selection(void)
{
	struct cred_spec s;
	struct fault f;
	const char *two = "{'current':'other','profiles':["
			  "{'name':'default','mode':'AK','access_key_id':'" ID
			  "','access_key_secret':'" SECRET "'},"
			  "{'name':'other','mode':'EcsRamRole','ram_role_name':'R2'}]}";

	is_int(cli(two, NULL, &s, &f), PROFILE_FOUND, "no name: the current profile");
	ok(s.kind == CRED_ECS_RAM_ROLE && s.role_name && strcmp(s.role_name, "R2") == 0,
	   "... is 'other'");
	cred_spec_free(&s);

	is_int(cli(two, "default", &s, &f), PROFILE_FOUND, "a name wins over current");
	ok(s.kind == CRED_ACCESS_KEY && s.access_key_id && strcmp(s.access_key_id, ID) == 0,
	   "... is 'default'");
	cred_spec_free(&s);

	is_int(cli(two, "missing", &s, &f), PROFILE_ABSENT, "a name the file lacks: absent");
	ok(spec_empty(&s), "... spec empty");

	is_int(cli("{'profiles':[{'name':'default','mode':'AK','access_key_id':'a',"
		   "'access_key_secret':'b'}]}",
		   NULL, &s, &f),
	       PROFILE_ABSENT, "no current and no name: absent");
	ok(spec_empty(&s), "... spec empty");
	is_int(cli("{'current':'','profiles':[{'name':'','mode':'AK','access_key_id':'a',"
		   "'access_key_secret':'b'}]}",
		   NULL, &s, &f),
	       PROFILE_ABSENT, "an empty current: absent");
	is_int(cli("{'current':null}", NULL, &s, &f), PROFILE_ABSENT, "current null: absent");
	is_int(cli("{}", "default", &s, &f), PROFILE_ABSENT, "no profiles at all: absent");
	is_int(cli("{'profiles':null}", "default", &s, &f), PROFILE_ABSENT,
	       "profiles null: absent");

	cli_refused("{'current':'gone','profiles':[{'name':'default','mode':'AK'}]}", NULL,
		    "current profile", "'gone'", "current names a profile the file lacks");

	is_int(cli("{'current':'d','profiles':[{'name':'d','mode':'EcsRamRole','ram_role_name':'first'},"
		   "{'name':'d','mode':'EcsRamRole','ram_role_name':'second'}]}",
		   NULL, &s, &f),
	       PROFILE_FOUND, "two profiles of one name");
	ok(s.role_name && strcmp(s.role_name, "first") == 0, "... the first, as the CLI takes");
	cred_spec_free(&s);
}

static void test_cli_refusals(void)
{
	cli_refused("{'current':'p','profiles':[{'name':'p','mode':'OIDC','access_key_id':'" ID
		    "','access_key_secret':'" SECRET "'}]}",
		    NULL, "uses mode 'OIDC', which check_ecs_invocation does not support",
		    "(AK, StsToken, EcsRamRole, RamRoleArn)", "unknown mode OIDC");
	cli_refused("{'current':'p','profiles':[{'name':'p','mode':'ChainableRamRoleArn'}]}", NULL,
		    "mode 'ChainableRamRoleArn'", "profile 'p' in " CLI_PATH,
		    "unknown mode ChainableRamRoleArn");

	/* A field each mode needs. */
	cli_refused("{'current':'p','profiles':[{'name':'p','mode':'AK','access_key_secret':'" SECRET
		    "'}]}",
		    NULL, "(mode AK) has no access_key_id", "profile 'p'", "AK without access_key_id");
	cli_refused("{'current':'p','profiles':[{'name':'p','mode':'AK','access_key_id':'" ID "'}]}",
		    NULL, "(mode AK) has no access_key_secret", "profile 'p'",
		    "AK without access_key_secret");
	cli_refused("{'current':'p','profiles':[{'name':'p','mode':'AK','access_key_id':'" ID
		    "','access_key_secret':''}]}",
		    NULL, "has no access_key_secret", NULL, "AK with an empty access_key_secret");
	cli_refused("{'current':'p','profiles':[{'name':'p','mode':'StsToken','access_key_id':'" ID
		    "','access_key_secret':'" SECRET "'}]}",
		    NULL, "(mode StsToken) has no sts_token", NULL, "StsToken without sts_token");
	cli_refused("{'current':'p','profiles':[{'name':'p','mode':'StsToken','sts_token':'" TOKEN
		    "','access_key_id':'" ID "'}]}",
		    NULL, "(mode StsToken) has no access_key_secret", NULL,
		    "StsToken without access_key_secret");
	cli_refused("{'current':'p','profiles':[{'name':'p','mode':'RamRoleArn','access_key_id':'" ID
		    "','access_key_secret':'" SECRET "'}]}",
		    NULL, "(mode RamRoleArn) has no ram_role_arn", NULL,
		    "RamRoleArn without ram_role_arn");
	cli_refused("{'current':'p','profiles':[{'name':'p','mode':'RamRoleArn','ram_role_arn':'" ARN
		    "','access_key_secret':'" SECRET "'}]}",
		    NULL, "(mode RamRoleArn) has no access_key_id", NULL,
		    "RamRoleArn without access_key_id");

	/* Wrong types name the field and the profile. */
	cli_refused("{'current':'p','profiles':[{'name':'p','mode':'AK','access_key_id':'" ID
		    "','access_key_secret':12345}]}",
		    NULL, "\"access_key_secret\" as an integer, not a string", "profile 'p'",
		    "access_key_secret as a number");
	cli_refused("{'current':'p','profiles':[{'name':'p','mode':true}]}", NULL,
		    "\"mode\" as a boolean", "profile 'p'", "mode as a boolean");
	cli_refused("{'current':'p','profiles':[{'name':'p','mode':'AK','access_key_id':'" ID
		    "','access_key_secret':'" SECRET "','region_id':['cn-hangzhou']}]}",
		    NULL, "\"region_id\" as an array", "profile 'p'", "region_id as an array");
	cli_refused("{'current':'p','profiles':[{'name':'p','mode':'EcsRamRole','ram_role_name':{}}]}",
		    NULL, "\"ram_role_name\" as an object", NULL, "ram_role_name as an object");
	cli_refused("{'current':5,'profiles':[]}", NULL, "\"current\" as an integer", NULL,
		    "current as a number");
	cli_refused("{'current':'p','profiles':{'name':'p'}}", NULL, "\"profiles\" as an object",
		    NULL, "profiles as an object");
	cli_refused("{'current':'p','profiles':['p']}", NULL, "profiles[0] is a string", NULL,
		    "a profile that is a string");
	cli_refused("{'current':'p','profiles':[{'name':'p','mode':'EcsRamRole'},{'mode':'AK'}]}",
		    NULL, "profiles[1] has no \"name\"", NULL, "a profile without a name");
	cli_refused("{'current':'p','profiles':[{'name':7}]}", NULL, "profiles[0] has no \"name\"",
		    NULL, "a name that is a number");
	cli_refused("['not','an','object']", NULL, "is an array, not", CLI_PATH,
		    "top level an array");

	/* Not JSON at all. Jansson's own message quotes the text near the
	 * error: an unquoted or cut-off secret must not reach the output. */
	cli_refused("{'current':'p','profiles':[{'name':'p','access_key_secret':" SHORT "}]}", NULL,
		    "is not valid JSON", "line 1", "an unquoted secret");
	cli_refused("{'current':'p','profiles':[{'name':'p','access_key_secret':'" SECRET, NULL,
		    "is not valid JSON", CLI_PATH, "a file cut inside the secret");
	cli_refused("{'current':'p'} '" SHORT "'", NULL, "is not valid JSON", NULL,
		    "a secret after the object");
	cli_refused("{'current':'p','profiles':[{'name':'p','access_key_secret' '" SHORT "'}]}",
		    NULL, "is not valid JSON", NULL, "a missing ':' before the secret");
	{
		struct cred_spec s;
		struct fault f;

		fault_clear(&f);
		refused(profiles_parse_cli("", 0, CLI_PATH, NULL, &s, &f), &s, &f, "is empty", CLI_PATH,
			"an empty file");
		fault_clear(&f);
		refused(profiles_parse_cli(NULL, 0, CLI_PATH, NULL, &s, &f), &s, &f, "is empty", NULL,
			"no text at all");
	}

	/* Duplicate keys: which one counts would be a guess. */
	cli_refused("{'current':'p','profiles':[{'name':'p','mode':'AK','access_key_id':'" ID
		    "','access_key_secret':'x','access_key_secret':'" SECRET "'}]}",
		    NULL, "duplicate object key", "is not valid JSON", "a duplicate key in a profile");
	cli_refused("{'current':'p','current':'q','profiles':[]}", NULL, "duplicate", NULL,
		    "a duplicate top-level key");
}

static void test_cli_expired_seconds(void)
{
	static const struct {
		const char *value;
		int rc;
		long want;
	} cases[] = {
		{ "899", PROFILE_ERROR, 0 },	  { "900", PROFILE_FOUND, 900 },
		{ "43200", PROFILE_FOUND, 43200 }, { "43201", PROFILE_ERROR, 0 },
		{ "-1", PROFILE_ERROR, 0 },	  { "0", PROFILE_FOUND, 0 },
		{ "null", PROFILE_FOUND, 0 },	  { "'3600'", PROFILE_FOUND, 3600 },
		{ "''", PROFILE_FOUND, 0 },	  { "'0'", PROFILE_FOUND, 0 },
		{ "'899'", PROFILE_ERROR, 0 },	  { "'12h'", PROFILE_ERROR, 0 },
		{ "' 3600'", PROFILE_ERROR, 0 },  { "'99999'", PROFILE_ERROR, 0 },
		{ "3600.5", PROFILE_ERROR, 0 },	  { "true", PROFILE_ERROR, 0 },
		{ "1e9", PROFILE_ERROR, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char json[512];
		struct cred_spec s;
		struct fault f;
		int rc;

		snprintf(json, sizeof(json),
			 "{'current':'a','profiles':[{'name':'a','mode':'RamRoleArn','access_key_id':'" ID
			 "','access_key_secret':'" SECRET "','ram_role_arn':'" ARN
			 "','expired_seconds':%s}]}",
			 cases[i].value);
		rc = cli(json, NULL, &s, &f);
		is_int(rc, cases[i].rc, "expired_seconds %s: %s", cases[i].value,
		       cases[i].rc == PROFILE_FOUND ? "taken" : "refused");
		if (rc == PROFILE_FOUND) {
			is_int(s.duration_s, cases[i].want, "... duration_s");
			cred_spec_free(&s);
		} else {
			ok(strstr(f.text, "expired_seconds") != NULL && strstr(f.text, "profile 'a'"),
			   "... the message names the field and profile: %s", f.text);
			no_secret(f.text, "expired_seconds");
			ok(spec_empty(&s), "... spec empty");
		}
	}
}

/* ---- INI ---- */

static void test_ini_types(void)
{
	struct cred_spec s;
	struct fault f;

	is_int(ini("[default]\ntype = access_key\naccess_key_id = " ID "\naccess_key_secret = " SECRET
		   "\n",
		   "default", &s, &f),
	       PROFILE_FOUND, "INI access_key");
	is_int(s.kind, CRED_ACCESS_KEY, "access_key: kind");
	is_str(s.access_key_id, ID, "access_key: access_key_id");
	is_str(s.access_key_secret, SECRET, "access_key: access_key_secret");
	ok(s.security_token == NULL && s.role_name == NULL && s.role_arn == NULL && s.region == NULL,
	   "access_key: nothing else");
	is_str(s.source, "section [default] (type access_key) of " INI_PATH, "access_key: source");
	cred_spec_free(&s);

	is_int(ini("[default]\ntype = ecs_ram_role\nrole_name = MonitorRole\n", "default", &s, &f),
	       PROFILE_FOUND, "INI ecs_ram_role");
	is_int(s.kind, CRED_ECS_RAM_ROLE, "ecs_ram_role: kind");
	is_str(s.role_name, "MonitorRole", "ecs_ram_role: role_name");
	ok(s.access_key_id == NULL && s.access_key_secret == NULL, "ecs_ram_role: no keys");
	is_str(s.source, "section [default] (type ecs_ram_role) of " INI_PATH, "ecs_ram_role: source");
	cred_spec_free(&s);

	is_int(ini("[default]\ntype = ecs_ram_role\nrole_name =\n", "default", &s, &f), PROFILE_FOUND,
	       "INI ecs_ram_role with an empty role_name");
	ok(s.kind == CRED_ECS_RAM_ROLE && s.role_name == NULL, "... role_name NULL: discover it");
	cred_spec_free(&s);

	is_int(ini("[assumed]\ntype = ram_role_arn\naccess_key_id = " ID "\naccess_key_secret = " SECRET
		   "\nrole_arn = " ARN "\nrole_session_name = nagios\n"
		   "policy = {\"Version\":\"1\",\"Statement\":[]}\n",
		   "assumed", &s, &f),
	       PROFILE_FOUND, "INI ram_role_arn");
	is_int(s.kind, CRED_RAM_ROLE_ARN, "ram_role_arn: kind");
	is_str(s.access_key_id, ID, "ram_role_arn: access_key_id");
	is_str(s.access_key_secret, SECRET, "ram_role_arn: access_key_secret");
	is_str(s.role_arn, ARN, "ram_role_arn: role_arn");
	is_str(s.session_name, "nagios", "ram_role_arn: role_session_name");
	is_str(s.policy, "{\"Version\":\"1\",\"Statement\":[]}", "ram_role_arn: policy");
	ok(s.duration_s == 0 && s.sts_region == NULL && s.security_token == NULL,
	   "ram_role_arn: defaults for the rest");
	is_str(s.source, "section [assumed] (type ram_role_arn) of " INI_PATH, "ram_role_arn: source");
	cred_spec_free(&s);

	is_int(ini("[assumed]\ntype = ram_role_arn\naccess_key_id = " ID "\naccess_key_secret = " SECRET
		   "\nrole_arn = " ARN "\nrole_session_name =\n",
		   "assumed", &s, &f),
	       PROFILE_FOUND, "INI ram_role_arn without session name or policy");
	ok(s.session_name == NULL && s.policy == NULL, "... both NULL");
	cred_spec_free(&s);
}

static void test_ini_syntax(void)
{
	struct cred_spec s;
	struct fault f;
	const char *several = "# credentials\n"
			      "[default]\n"
			      "type = ecs_ram_role\n"
			      "role_name = DefaultRole\n"
			      "\n"
			      "[ prod ]\n"
			      "type=access_key\n"
			      "access_key_id=" ID "\n"
			      "access_key_secret=" SECRET "\n"
			      "[other]\n"
			      "type = ram_role_arn\n"
			      "role_name = NotThis\n";

	is_int(ini(several, "default", &s, &f), PROFILE_FOUND, "several sections: default");
	ok(s.kind == CRED_ECS_RAM_ROLE && s.role_name && strcmp(s.role_name, "DefaultRole") == 0,
	   "... its own values only");
	cred_spec_free(&s);
	is_int(ini(several, "prod", &s, &f), PROFILE_FOUND,
	       "a section name trimmed inside [ ], keys without spaces");
	ok(s.kind == CRED_ACCESS_KEY && s.access_key_secret &&
	   strcmp(s.access_key_secret, SECRET) == 0 && s.role_name == NULL,
	   "... prod's values, nothing from other sections");
	cred_spec_free(&s);
	fault_clear(&f);
	is_int(profiles_parse_ini(several, strlen(several), INI_PATH, NULL, &s, &f), PROFILE_FOUND,
	       "no section named: default");
	ok(s.kind == CRED_ECS_RAM_ROLE, "... the [default] section");
	cred_spec_free(&s);
	is_int(ini(several, "Default", &s, &f), PROFILE_ABSENT, "section names are case-sensitive");
	is_int(ini(several, "missing", &s, &f), PROFILE_ABSENT, "a section the file lacks: absent");
	ok(spec_empty(&s), "... spec empty");
	is_int(ini("", "default", &s, &f), PROFILE_ABSENT, "an empty file: absent");
	fault_clear(&f);
	is_int(profiles_parse_ini(NULL, 0, INI_PATH, "default", &s, &f), PROFILE_ABSENT,
	       "no text: absent");

	is_int(ini("[default]\ntype = \"access_key\"\naccess_key_id = '" ID "'\n"
		   "access_key_secret = \"  " SECRET "  \"\n",
		   "default", &s, &f),
	       PROFILE_FOUND, "quoted values");
	is_str(s.access_key_id, ID, "... single quotes stripped");
	is_str(s.access_key_secret, "  " SECRET "  ", "... double quotes stripped, inner spaces kept");
	cred_spec_free(&s);

	is_int(ini("[default]\ntype = ecs_ram_role\nrole_name = \"Role'\n", "default", &s, &f),
	       PROFILE_FOUND, "unmatched quotes");
	is_str(s.role_name, "\"Role'", "... are kept");
	cred_spec_free(&s);
	is_int(ini("[default]\ntype = ecs_ram_role\nrole_name = \"\n", "default", &s, &f),
	       PROFILE_FOUND, "a lone quote");
	is_str(s.role_name, "\"", "... is a value, not an empty pair");
	cred_spec_free(&s);

	is_int(ini("; top comment\n# another\n[default]\n   # indented comment\n\t; indented too\n"
		   "type = access_key\naccess_key_id = " ID "\naccess_key_secret = ab#cd;ef\n",
		   "default", &s, &f),
	       PROFILE_FOUND, "comments");
	is_str(s.access_key_secret, "ab#cd;ef", "... a '#' or ';' inside a value is the value's");
	cred_spec_free(&s);

	is_int(ini("[default]\r\ntype = access_key\r\naccess_key_id = " ID "\r\naccess_key_secret = " SECRET
		   "\r\n",
		   "default", &s, &f),
	       PROFILE_FOUND, "CRLF line ends");
	is_str(s.access_key_secret, SECRET, "... no '\\r' left in the value");
	is_str(s.access_key_id, ID, "... nor in the id");
	cred_spec_free(&s);

	is_int(ini("\xEF\xBB\xBF[default]\ntype = ecs_ram_role\nrole_name = R\n", "default", &s, &f),
	       PROFILE_FOUND, "a UTF-8 BOM before the first section");
	is_str(s.role_name, "R", "... read");
	cred_spec_free(&s);

	is_int(ini("[default]\ntype = ram_role_arn\naccess_key_id = " ID "\naccess_key_secret = ab==\n"
		   "role_arn = " ARN "\npolicy = {\"k\":\"a=b\"}",
		   "default", &s, &f),
	       PROFILE_FOUND, "'=' in values, no newline at the end");
	is_str(s.access_key_secret, "ab==", "... base64 padding kept");
	is_str(s.policy, "{\"k\":\"a=b\"}", "... the last line read");
	cred_spec_free(&s);

	is_int(ini("[default]\ntype = access_key\n[other]\nx = 1\n[default]\naccess_key_id = " ID
		   "\naccess_key_secret = " SECRET "\n",
		   "default", &s, &f),
	       PROFILE_FOUND, "a section in two parts");
	ok(s.kind == CRED_ACCESS_KEY && s.access_key_id != NULL, "... is read as one");
	cred_spec_free(&s);

	is_int(ini("[other]\nrole_name = a\nrole_name = b\n[default]\ntype = ecs_ram_role\n"
		   "role_name = R\n",
		   "default", &s, &f),
	       PROFILE_FOUND, "a repeated key in another section does not matter");
	cred_spec_free(&s);

	/* The parser stays within len: no NUL after the text. */
	{
		const char *src = "[default]\ntype = ecs_ram_role\nrole_name = RoleXYZ";
		size_t n = strlen(src) - 3;
		char *exact = malloc(n);

		if (exact != NULL) {
			memcpy(exact, src, n);
			fault_clear(&f);
			is_int(profiles_parse_ini(exact, n, INI_PATH, "default", &s, &f),
			       PROFILE_FOUND, "text without a NUL, cut short");
			is_str(s.role_name, "Role", "... read up to len and no further");
			cred_spec_free(&s);
			free(exact);
		} else {
			ok(0, "malloc");
		}
	}
}

static void test_ini_refusals(void)
{
	ini_refused("[default]\naccess_key_id = " ID "\naccess_key_secret = " SECRET "\n", "default",
		    "section [default] of " INI_PATH " has no type", NULL, "no type");
	ini_refused("[default]\ntype =\naccess_key_id = " ID "\n", "default", "has no type", NULL,
		    "an empty type");
	ini_refused("[default]\ntype = sts\naccess_key_id = " ID "\naccess_key_secret = " SECRET "\n",
		    "default", "has type 'sts', which check_ecs_invocation does not support",
		    "(access_key, ecs_ram_role, ram_role_arn)", "unknown type");
	ini_refused("[default]\ntype = Access_Key\n", "default", "type 'Access_Key'", NULL,
		    "types are case-sensitive");
	ini_refused("[default]\ntype = access_key\naccess_key_id = " ID "\n", "default",
		    "section [default] of " INI_PATH " (type access_key) has no access_key_secret",
		    NULL, "access_key without access_key_secret");
	ini_refused("[default]\ntype = access_key\naccess_key_secret = " SECRET "\n", "default",
		    "(type access_key) has no access_key_id", NULL, "access_key without access_key_id");
	ini_refused("[default]\ntype = access_key\naccess_key_id = " ID "\naccess_key_secret = \"\"\n",
		    "default", "has no access_key_secret", NULL, "an empty quoted access_key_secret");
	ini_refused("[default]\ntype = access_key\nAccess_Key_Id = " ID "\naccess_key_secret = " SECRET
		    "\n",
		    "default", "has no access_key_id", NULL, "keys are case-sensitive");
	ini_refused("[default]\ntype = ecs_ram_role\n", "default",
		    "(type ecs_ram_role) has no role_name", NULL, "ecs_ram_role without role_name");
	ini_refused("[r]\ntype = ram_role_arn\naccess_key_id = " ID "\naccess_key_secret = " SECRET
		    "\n",
		    "r", "section [r] of " INI_PATH " (type ram_role_arn) has no role_arn", NULL,
		    "ram_role_arn without role_arn");
	ini_refused("[r]\ntype = ram_role_arn\naccess_key_id = " ID "\nrole_arn = " ARN "\n", "r",
		    "(type ram_role_arn) has no access_key_secret", NULL,
		    "ram_role_arn without access_key_secret");

	/* Broken lines: the number, never the text (it may be a secret). */
	ini_refused("[default]\ntype = access_key\n" SECRET "\naccess_key_id = " ID "\n", "default",
		    INI_PATH " line 3: ", "neither a [section]", "a line without '='");
	ini_refused("[default]\r\ntype = access_key\r\n\r\n  " SECRET "  \r\n", "default",
		    INI_PATH " line 4: ", NULL, "a bad line after CRLF lines and a blank one");
	ini_refused("[default\ntype = access_key\n", "default", INI_PATH " line 1: ", "']'",
		    "an unterminated section header");
	ini_refused("[default]\n[ ]\n", "default", INI_PATH " line 2: ", "without a name",
		    "an empty section name");
	ini_refused("[default]\ntype = access_key\n = " SECRET "\n", "default", INI_PATH " line 3: ",
		    "without a key", "a value without a key");
	ini_refused("[default] # " SECRET "\n", "default", INI_PATH " line 1: ", NULL,
		    "a comment after a section header");
	ini_refused("access_key_secret = " SECRET "\n[default]\ntype = access_key\n", "default",
		    INI_PATH " line 1: ", "before the first [section]", "a key before any section");
	ini_refused("\xEF\xBB\xBF" "access_key_id = " ID "\n", "default", INI_PATH " line 1: ",
		    "before the first [section]", "a key before any section, after a BOM");
	ini_refused("[default]\ntype = ecs_ram_role\nrole_name = R\n[other]\n" SECRET "\n", "default",
		    INI_PATH " line 5: ", NULL, "a broken line in another section");
	ini_refused("[x]\nbroken\n", "default", INI_PATH " line 2: ", NULL,
		    "a broken line even when the section is absent");
	ini_refused("[default]\ntype = access_key\naccess_key_secret = x\naccess_key_secret = " SECRET
		    "\n",
		    "default", INI_PATH " line 4: ", "sets access_key_secret again (first on line 3)",
		    "a key set twice");
	{
		static const char nul[] = "[default]\ntype = ecs_ram_role\nrole_name = R\0x\n";
		struct cred_spec s;
		struct fault f;

		fault_clear(&f);
		refused(profiles_parse_ini(nul, sizeof(nul) - 1, INI_PATH, "default", &s, &f), &s, &f,
			INI_PATH " line 3: ", "NUL", "a NUL byte");
	}
}

/* ---- reading files ---- */

static char dir[64];

static void path_in(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

/* Create dir/name with exactly mode (whatever the umask) holding len bytes
 * of text, or of 'x' when text is NULL. */
static int make_file(const char *name, const char *text, size_t len, mode_t mode)
{
	char path[128];
	char fill[4096];
	int fd;
	size_t done = 0;

	path_in(path, sizeof(path), name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	memset(fill, 'x', sizeof(fill));
	while (done < len) {
		size_t n = len - done;
		ssize_t w;

		if (text == NULL && n > sizeof(fill))
			n = sizeof(fill);
		w = write(fd, text != NULL ? text + done : fill, n);
		if (w <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)w;
	}
	if (fchmod(fd, mode) != 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static void read_refused(const char *name, const char *want, const char *also, const char *what)
{
	char path[128];
	struct strbuf b;
	struct fault f;

	path_in(path, sizeof(path), name);
	fault_clear(&f);
	is_int(profiles_read_file(path, &b, &f), PROFILE_ERROR, "%s: refused", what);
	is_int(f.klass, FAULT_CREDENTIALS, "%s: a credentials fault", what);
	ok(strstr(f.text, want) != NULL && (also == NULL || strstr(f.text, also) != NULL),
	   "%s: says '%s'%s%s: %s", what, want, also ? " and " : "", also ? also : "", f.text);
	no_secret(f.text, what);
	ok(b.data == NULL && b.len == 0, "%s: the buffer is left empty", what);
	strbuf_wipe(&b);
}

static void read_ok(const char *name, const char *want, size_t want_len, const char *what)
{
	char path[128];
	struct strbuf b;
	struct fault f;

	path_in(path, sizeof(path), name);
	fault_clear(&f);
	is_int(profiles_read_file(path, &b, &f), 0, "%s: read", what);
	is_int(b.len, want_len, "%s: every byte", what);
	ok(b.data != NULL && (want == NULL || memcmp(b.data, want, want_len) == 0) &&
	   b.data[b.len] == '\0',
	   "%s: the content, NUL-terminated", what);
	ok(b.secret, "%s: in a secret buffer", what);
	strbuf_wipe(&b);
}

static void loose_words(unsigned mode, const char *want)
{
	char buf[96];

	profiles_describe_loose(mode, buf, sizeof(buf));
	is_str(buf, want, "mode %04o in words", mode);
}

/* The refusal of a loose file names exactly the bits that are wrong. */
static void test_describe_loose(void)
{
	char small[8] = "xxxxxxx";

	loose_words(0600, "");
	loose_words(0700, "");
	loose_words(04600, "");
	loose_words(0640, "the group can read it");
	loose_words(0620, "the group can write it");
	loose_words(0610, "the group can execute it");
	loose_words(0601, "others can execute it");
	loose_words(0602, "others can write it");
	loose_words(0604, "others can read it");
	loose_words(0644, "the group and others can read it");
	loose_words(0666, "the group and others can read and write it");
	loose_words(0677, "the group and others can read, write and execute it");
	loose_words(0650, "the group can read and execute it");
	loose_words(0630, "the group can write and execute it");
	loose_words(0641, "the group can read it, others can execute it");
	loose_words(0675, "the group can read, write and execute it, others can read and execute it");
	loose_words(0100644, "the group and others can read it");
	profiles_describe_loose(0644, small, sizeof(small));
	is_str(small, "the gro", "cut to fit a small buffer, NUL-terminated");
	profiles_describe_loose(0644, small, 0);
	is_str(small, "the gro", "a zero size writes nothing");
}

static void test_read_file(void)
{
	static const char content[] = "[default]\ntype = access_key\naccess_key_id = " ID
				      "\naccess_key_secret = " SECRET "\n";
	char path[128], target[128];
	struct strbuf b;
	struct fault f;
	struct cred_spec s;
	bool made;

	snprintf(dir, sizeof(dir), "/tmp/test_profiles.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}

	path_in(path, sizeof(path), "absent");
	fault_clear(&f);
	is_int(profiles_read_file(path, &b, &f), PROFILE_ABSENT, "an absent file");
	ok(b.len == 0 && f.klass == FAULT_NONE, "... nothing read, no fault");
	strbuf_wipe(&b);

	made = make_file("loose", content, sizeof(content) - 1, 0644) == 0;
	ok(made, "made a 0644 file");
	path_in(path, sizeof(path), "loose");
	{
		char want[200];

		snprintf(want, sizeof(want), "chmod 600 %s", path);
		read_refused("loose", want,
			     "is not private (mode 0644: the group and others can read it)",
			     "mode 0644");
	}
	ok(make_file("group", content, sizeof(content) - 1, 0640) == 0, "made a 0640 file");
	read_refused("group", "chmod 600", "(mode 0640: the group can read it)", "mode 0640");
	ok(make_file("otherwrite", content, sizeof(content) - 1, 0602) == 0, "made a 0602 file");
	read_refused("otherwrite", "chmod 600", "(mode 0602: others can write it)", "mode 0602");
	/* An execute bit lets nobody read the secret, but it is still not a
	 * private file's mode: refused, and the message says which bit. */
	ok(make_file("groupexec", content, sizeof(content) - 1, 0610) == 0, "made a 0610 file");
	read_refused("groupexec", "chmod 600", "(mode 0610: the group can execute it)",
		     "mode 0610");

	ok(make_file("tight", content, sizeof(content) - 1, 0600) == 0, "made a 0600 file");
	read_ok("tight", content, sizeof(content) - 1, "mode 0600");
	ok(make_file("ro", content, sizeof(content) - 1, 0400) == 0, "made a 0400 file");
	read_ok("ro", content, sizeof(content) - 1, "mode 0400");
	ok(make_file("empty", "", 0, 0600) == 0, "made an empty file");
	read_ok("empty", "", 0, "an empty file");

	/* End to end: read, then parse. */
	path_in(path, sizeof(path), "tight");
	fault_clear(&f);
	if (profiles_read_file(path, &b, &f) == 0) {
		is_int(profiles_parse_ini(b.data, b.len, path, "default", &s, &f), PROFILE_FOUND,
		       "a file read is parsed");
		ok(s.access_key_secret && strcmp(s.access_key_secret, SECRET) == 0, "... its secret");
		cred_spec_free(&s);
	} else {
		ok(0, "reading the 0600 file again: %s", f.text);
	}
	strbuf_wipe(&b);

	path_in(path, sizeof(path), "subdir");
	ok(mkdir(path, 0700) == 0, "made a directory");
	read_refused("subdir", "is not a regular file", NULL, "a directory");

	path_in(path, sizeof(path), "fifo");
	ok(mkfifo(path, 0600) == 0, "made a FIFO");
	read_refused("fifo", "is not a regular file", NULL, "a FIFO (and open() did not block)");

	path_in(target, sizeof(target), "tight");
	path_in(path, sizeof(path), "link");
	ok(symlink(target, path) == 0, "made a symlink to the 0600 file");
	read_ok("link", content, sizeof(content) - 1, "a symlink to a 0600 file");
	path_in(target, sizeof(target), "loose");
	path_in(path, sizeof(path), "looselink");
	ok(symlink(target, path) == 0, "made a symlink to the 0644 file");
	read_refused("looselink", "chmod 600", NULL, "a symlink to a 0644 file: its target counts");
	path_in(target, sizeof(target), "nowhere");
	path_in(path, sizeof(path), "dangling");
	ok(symlink(target, path) == 0, "made a dangling symlink");
	fault_clear(&f);
	is_int(profiles_read_file(path, &b, &f), PROFILE_ABSENT, "a dangling symlink: absent");
	strbuf_wipe(&b);

	ok(make_file("big", NULL, ((size_t)1 << 20) + 1, 0600) == 0, "made a file of 1 MiB + 1");
	read_refused("big", "larger than 1 MiB", NULL, "a file over 1 MiB");
	ok(make_file("limit", NULL, (size_t)1 << 20, 0600) == 0, "made a file of exactly 1 MiB");
	read_ok("limit", NULL, (size_t)1 << 20, "a file of exactly 1 MiB");

	read_refused("tight/x", "cannot read ", strerror(ENOTDIR), "a path through a file");

	/* Owned by someone else: only root can make such a file here. */
	if (geteuid() == 0) {
		path_in(path, sizeof(path), "foreign");
		ok(make_file("foreign", content, sizeof(content) - 1, 0600) == 0 &&
			   chown(path, 65534, 65534) == 0,
		   "made a 0600 file owned by uid 65534");
		read_refused("foreign", "belongs to uid 65534", "not to this user (uid 0)",
			     "another user's file");
	} else {
		ok(1, "# SKIP another user's file: needs root to create");
	}

	{
		static const char *const names[] = { "loose", "group", "otherwrite", "groupexec",
						      "tight", "ro", "empty", "fifo", "link",
						      "looselink", "dangling", "big", "limit",
						      "foreign" };

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			path_in(path, sizeof(path), names[i]);
			unlink(path);
		}
		path_in(path, sizeof(path), "subdir");
		rmdir(path);
		ok(rmdir(dir) == 0, "removed the test directory: %s", strerror(errno));
	}
}

int main(void)
{
	/* A hang (open() waiting on the FIFO) must fail the run, not stall it. */
	alarm(60);
	test_cli_modes();
	test_cli_inferred();
	test_cli_selection();
	test_cli_refusals();
	test_cli_expired_seconds();
	test_ini_types();
	test_ini_syntax();
	test_ini_refusals();
	test_describe_loose();
	test_read_file();
	return tap_done();
}
