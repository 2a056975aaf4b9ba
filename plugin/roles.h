/* roles.h - turning a credential spec into keys a request can be signed
 * with: an AccessKey as it is, an ECS instance RAM role through the metadata
 * service (IMDSv2 first), a RAM role ARN through STS AssumeRole.
 *
 * Ownership: out is filled with keys the caller frees with
 * credentials_free(); on failure it is left empty. */
#ifndef ECS_ROLES_H
#define ECS_ROLES_H

#include "api.h"
#include "credentials.h"
#include "profiles.h"

#define DEFAULT_METADATA_URL "http://100.100.100.200"
#define DEFAULT_STS_ENDPOINT "https://sts.aliyuncs.com"
#define STS_VERSION "2015-04-01"
/* The SDK asks for the longest token life the service allows. */
#define IMDS_TOKEN_TTL "21600"

struct role_options {
	const char *metadata_url;  /* scheme://host[:port] */
	const char *sts_endpoint;  /* scheme://host[:port]; NULL = from the spec or the default */
	bool imdsv1_disabled;      /* ALIBABA_CLOUD_IMDSV1_DISABLED=true */
};

/* Where STS AssumeRole goes, as the SDKs and the CLI choose it: given (the
 * --sts-endpoint option, else ALIBABA_CLOUD_STS_ENDPOINT: options_parse()
 * settles which of the two and checks it), else
 * https://sts.STS_REGION.aliyuncs.com for a profile's sts_region, else
 * DEFAULT_STS_ENDPOINT. Written to buf. Returns -1 when sts_region is not a
 * region id (FAULT_CREDENTIALS; quoted only when a plain word) or the URL
 * does not fit (FAULT_USAGE): a URL cut short would name another host. */
int roles_sts_endpoint(const char *given, const char *sts_region, char *buf, size_t size,
		       struct fault *f);

/* Keys for spec. Uses api's HTTP client, deadline, signature version and
 * trace; counts its requests in api->requests. */
int roles_resolve(struct api_client *api, const struct cred_spec *spec,
		  const struct role_options *ro, struct credentials *out, struct fault *f);

#endif
