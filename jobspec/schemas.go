package jobspec

// jobSchemas are the schemas of every block a job block may hold, at any
// depth: website/job-spec.md documents each of their arguments and blocks
// and has a row for each block (TestReferenceDocumentsEverything).
var jobSchemas = []*schema{
	jobSchema, groupSchema, taskSchema, networkSchema, portSchema, dnsSchema, cniSchema, volumeSchema,
	mountOptionsSchema, ephemeralDiskSchema, resourcesSchema, deviceSchema, numaSchema, artifactSchema,
	templateSchema, changeScriptSchema, templateWaitSchema, lifecycleSchema, logsSchema, volumeMountSchema,
	constraintSchema, affinitySchema, spreadSchema, spreadTargetSchema, updateSchema, restartSchema,
	rescheduleSchema, migrateSchema, periodicSchema, parameterizedSchema, serviceSchema, weightsSchema, lbSchema, lbRouteSchema,
	checkRestartSchema, checkSchema, connectSchema, sidecarServiceSchema, proxySchema, upstreamSchema,
	meshGatewaySchema, exposeSchema, exposePathSchema, transparentProxySchema, sidecarTaskSchema,
	vaultSchema, consulSchema, identitySchema, csiPluginSchema, secretSchema, actionSchema, scheduleSchema,
	scheduleCronSchema, dispatchPayloadSchema, uiSchema, uiLinkSchema, multiregionSchema,
	multiregionStrategySchema, multiregionRegionSchema, scalingSchema, disconnectSchema,
}
