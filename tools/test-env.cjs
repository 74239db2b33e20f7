// Environment for every test process: quiet the AWS SDK's Node-version notice, and make sure no
// test can reach a real AWS endpoint or pick up a developer's credentials or profile. Gates on the
// default logger write warnings and errors only (not their start and stop lines), as under Jest.
'use strict';
process.env.LICENSEGATE_LOG_LEVEL ??= 'warn';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.AWS_ACCESS_KEY_ID = 'AKIDLICENSEGATETEST';
process.env.AWS_SECRET_ACCESS_KEY = 'licensegate-test-secret';
process.env.AWS_REGION = 'us-east-1';
delete process.env.AWS_PROFILE;
delete process.env.AWS_SESSION_TOKEN;
