// Test handler in TypeScript, for lambda-local --function NAME=path.
interface HelloEvent {
  name?: string;
}

export const handler = async (event: HelloEvent, context: { functionName: string }) => {
  console.log("hello from", context.functionName);
  return { hello: event.name ?? "world", from: context.functionName };
};
