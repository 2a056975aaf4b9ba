/* roles.c - see roles.h. */
#include "config.h"

#include "roles.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "http.h"
#include "util.h"

/* A metadata request must not take the whole deadline on a host that turns
 * out not to be an ECS instance. */
#define IMDS_REQUEST_SECONDS 3.0

static bool valid_role_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '-' || *s == '_'))
			return false;
	return true;
}

/* One request to the metadata service, bounded by the run's deadline and by
 * IMDS_REQUEST_SECONDS. Never through a proxy: the service is link-local
 * and refuses proxied requests (X-Forwarded-For). */
static int imds_request(struct api_client *api, const char *method, const char *base,
			const char *path, const struct params *headers,
			struct http_response *resp, struct fault *f)
{
	struct strbuf url;
	double deadline = http_now() + IMDS_REQUEST_SECONDS;
	int rc;

	if (deadline > api->deadline)
		deadline = api->deadline;
	strbuf_init(&url, 2048);
	if (strbuf_printf(&url, "%s%s", base, path) != 0) {
		fault_set(f, FAULT_NOMEM, "out of memory");
		strbuf_free(&url);
		return -1;
	}
	api->requests++;
	rc = http_request(api->http, method, url.data, url.data, headers, deadline, HTTP_NO_PROXY,
			  resp, f);
	api_trace(api, 2, "  metadata %s %s: %s", method, path,
		  rc == 0 ? "answered" : fault_class_name(f->klass));
	if (rc == 0)
		api_trace(api, 2, "    HTTP %ld", resp->status);
	strbuf_free(&url);
	return rc;
}

static int from_metadata(struct api_client *api, const struct cred_spec *spec,
			 const struct role_options *ro, struct credentials *out, struct fault *f)
{
	struct http_response resp;
	struct params headers;
	struct strbuf token, path;
	char role[72];
	const char *version = "IMDSv1";
	int rc = -1;

	http_response_init(&resp);
	resp.body.secret = true; /* the answers hold a token and keys */
	params_init(&headers);
	strbuf_init_secret(&token, 4096);
	strbuf_init(&path, 512);

	/* IMDSv2: a session token first. */
	if (params_add(&headers, "X-aliyun-ecs-metadata-token-ttl-seconds", IMDS_TOKEN_TTL) != 0)
		goto nomem;
	if (imds_request(api, "PUT", ro->metadata_url, "/latest/api/token", &headers, &resp, f) == 0 &&
	    resp.status == 200 && resp.body.len > 0 && resp.body.len < 4096) {
		strbuf_append(&token, resp.body.data, resp.body.len);
		version = "IMDSv2";
	} else if (ro->imdsv1_disabled) {
		if (resp.status != 0)
			fault_set(f, FAULT_CREDENTIALS,
				  "the ECS metadata service at %.100s refused a session token (HTTP %ld) and ALIBABA_CLOUD_IMDSV1_DISABLED=true",
				  ro->metadata_url, resp.status);
		else {
			char why[FAULT_TEXT_SIZE];

			snprintf(why, sizeof(why), "%s", f->text);
			fault_set(f, FAULT_CREDENTIALS,
				  "no session token from the ECS metadata service at %.100s (%.200s) and ALIBABA_CLOUD_IMDSV1_DISABLED=true",
				  ro->metadata_url, why);
		}
		goto done;
	} else {
		api_trace(api, 2, "  no IMDSv2 session token: trying IMDSv1");
	}
	params_free(&headers);
	if (token.len > 0 && params_add(&headers, "X-aliyun-ecs-metadata-token", token.data) != 0)
		goto nomem;

	/* The role: as configured, or the one attached to the instance. */
	if (spec->role_name != NULL && spec->role_name[0] != '\0') {
		snprintf(role, sizeof(role), "%s", spec->role_name);
	} else {
		size_t n;

		if (imds_request(api, "GET", ro->metadata_url,
				 "/latest/meta-data/ram/security-credentials/", &headers, &resp, f) != 0)
			goto unreachable;
		if (resp.status != 200) {
			fault_set(f, FAULT_CREDENTIALS,
				  "the ECS metadata service at %.100s lists no RAM role (HTTP %ld): attach one to the instance",
				  ro->metadata_url, resp.status);
			goto done;
		}
		n = strcspn(resp.body.data, "\r\n");
		while (n > 0 && resp.body.data[n - 1] == ' ')
			n--;
		if (n >= sizeof(role))
			n = 0;
		memcpy(role, resp.body.data, n);
		role[n] = '\0';
	}
	if (!valid_role_name(role)) {
		fault_set(f, FAULT_CREDENTIALS, "'%.64s' is not a RAM role name", role);
		goto done;
	}

	if (strbuf_printf(&path, "/latest/meta-data/ram/security-credentials/%s", role) != 0)
		goto nomem;
	if (imds_request(api, "GET", ro->metadata_url, path.data, &headers, &resp, f) != 0)
		goto unreachable;
	if (resp.status == 404) {
		fault_set(f, FAULT_CREDENTIALS,
			  "the ECS metadata service has no credentials for RAM role '%s': is it attached to this instance?",
			  role);
		goto done;
	}
	if (resp.status != 200) {
		fault_set(f, FAULT_CREDENTIALS,
			  "the ECS metadata service answered HTTP %ld for RAM role '%s'", resp.status,
			  role);
		goto done;
	}
	if (decode_metadata_credentials(resp.body.data, resp.body.len, out, f) != 0) {
		char why[FAULT_TEXT_SIZE];

		snprintf(why, sizeof(why), "%s", f->text);
		fault_set(f, FAULT_CREDENTIALS, "ECS RAM role '%s': %s", role, why);
		goto done;
	}
	snprintf(out->source, sizeof(out->source), "ECS RAM role '%s' from %.80s (%s; %.440s)", role,
		 ro->metadata_url, version, spec->source);
	rc = 0;
	goto done;
unreachable:
	{
		char why[FAULT_TEXT_SIZE];

		snprintf(why, sizeof(why), "%s", f->text);
		fault_set(f, FAULT_CREDENTIALS,
			  "cannot reach the ECS metadata service (%.400s): is this an ECS instance? (--metadata-url changes where it is)",
			  why);
	}
	goto done;
nomem:
	fault_set(f, FAULT_NOMEM, "out of memory");
done:
	http_response_free(&resp);
	params_free(&headers);
	strbuf_wipe(&token);
	strbuf_free(&path);
	return rc;
}

int roles_sts_endpoint(const char *given, const char *sts_region, char *buf, size_t size,
		       struct fault *f)
{
	int n;

	/* Anything but a region id would make another host name (with a '/',
	 * '@' or '#', even a host outside aliyuncs.com): refuse it. */
	if (given == NULL && sts_region != NULL && sts_region[0] != '\0' &&
	    !is_region_id(sts_region)) {
		/* Quoted only when it cannot be a secret in the wrong field. */
		fault_set(f, FAULT_CREDENTIALS,
			  "the profile's sts_region '%s' is not a region id such as cn-hangzhou",
			  is_plain_word(sts_region, strlen(sts_region)) ? sts_region : "(not shown)");
		return -1;
	}
	if (given != NULL)
		n = snprintf(buf, size, "%s", given);
	else if (sts_region != NULL && sts_region[0] != '\0')
		n = snprintf(buf, size, "https://sts.%s.aliyuncs.com", sts_region);
	else
		n = snprintf(buf, size, "%s", DEFAULT_STS_ENDPOINT);
	/* Cut short, the URL would name another host: refuse it. */
	if (n < 0 || (size_t)n >= size) {
		fault_set(f, FAULT_USAGE, "the STS endpoint %.80s... is longer than %zu bytes",
			  size > 0 ? buf : "", size > 0 ? size - 1 : 0);
		return -1;
	}
	return 0;
}

static int from_sts(struct api_client *api, const struct cred_spec *spec,
		    const struct role_options *ro, struct credentials *out, struct fault *f)
{
	struct credentials source = { 0 };
	struct api_target sts;
	struct params p;
	struct http_response resp;
	char endpoint[256], duration[24];
	int rc = -1;

	if (roles_sts_endpoint(ro->sts_endpoint, spec->sts_region, endpoint, sizeof(endpoint), f) != 0)
		return -1;
	snprintf(duration, sizeof(duration), "%ld", spec->duration_s > 0 ? spec->duration_s : 3600L);

	/* Borrowed, not owned: spec keeps and wipes them. */
	source.access_key_id = spec->access_key_id;
	source.access_key_secret = spec->access_key_secret;
	source.security_token = spec->security_token;
	sts.endpoint = endpoint;
	sts.version = STS_VERSION;
	sts.region = NULL;
	sts.creds = &source;
	sts.reach_advice = "check the STS endpoint (--sts-endpoint, ALIBABA_CLOUD_STS_ENDPOINT or the "
			   "profile's sts_region), DNS, firewalls, any proxy and --cacert";

	params_init(&p);
	http_response_init(&resp);
	resp.body.secret = true;
	if (params_add(&p, "RoleArn", spec->role_arn) != 0 ||
	    params_add(&p, "RoleSessionName",
		       spec->session_name && *spec->session_name ? spec->session_name
								 : "check_ecs_invocation") != 0 ||
	    params_add(&p, "DurationSeconds", duration) != 0 ||
	    (spec->policy != NULL && *spec->policy != '\0' &&
	     params_add(&p, "Policy", spec->policy) != 0)) {
		fault_set(f, FAULT_NOMEM, "out of memory");
		goto done;
	}
	if (api_call(api, &sts, "AssumeRole", &p, &resp, f) != 0 ||
	    decode_assume_role(resp.body.data, resp.body.len, out, f) != 0) {
		char why[FAULT_TEXT_SIZE];

		snprintf(why, sizeof(why), "%s", f->text);
		fault_set(f, FAULT_CREDENTIALS, "STS AssumeRole of %.120s at %.80s failed: %s",
			  spec->role_arn, endpoint, why);
		goto done;
	}
	snprintf(out->source, sizeof(out->source), "role %.80s assumed through %.60s (%.440s)",
		 spec->role_arn, endpoint, spec->source);
	rc = 0;
done:
	http_response_free(&resp);
	params_free(&p);
	return rc;
}

int roles_resolve(struct api_client *api, const struct cred_spec *spec,
		  const struct role_options *ro, struct credentials *out, struct fault *f)
{
	switch (spec->kind) {
	case CRED_ACCESS_KEY:
	case CRED_STS_TOKEN:
		return credentials_from_spec(spec, out, f);
	case CRED_ECS_RAM_ROLE:
		return from_metadata(api, spec, ro, out, f);
	case CRED_RAM_ROLE_ARN:
		return from_sts(api, spec, ro, out, f);
	case CRED_NONE:
		break;
	}
	fault_set(f, FAULT_INTERNAL, "no credentials to resolve");
	return -1;
}
