// Test handler: echoes the event with the context, counts its calls, logs a line of each level.
let calls = 0;
console.log("init: top-level code ran");

export const handler = async (event, context) => {
  calls++;
  console.log("event %s", JSON.stringify(event));
  console.error("to stderr");
  return {
    event,
    calls,
    context: {
      awsRequestId: context.awsRequestId,
      functionName: context.functionName,
      functionVersion: context.functionVersion,
      memoryLimitInMB: context.memoryLimitInMB,
      invokedFunctionArn: context.invokedFunctionArn,
      logGroupName: context.logGroupName,
      logStreamName: context.logStreamName,
      remainingMs: context.getRemainingTimeInMillis(),
    },
    env: {
      name: process.env.AWS_LAMBDA_FUNCTION_NAME,
      memory: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      greeting: process.env.GREETING,
    },
  };
};
