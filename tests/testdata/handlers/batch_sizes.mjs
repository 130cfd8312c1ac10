// Test handler for the buffer: logs one line per batch with what each request
// carried (a bare id, or an id and the decoded size of its base64 image), and
// answers the same, without computing anything (about a millisecond).
export const handler = async (event) => {
  const requests = event.requests.map((r) =>
    typeof r === "object" && r !== null
      ? { id: r.id, imageBytes: atob(r.image).length }
      : { id: r }
  );
  console.log(JSON.stringify({ batch_id: event.batch_id, requests }));
  return { batch_id: event.batch_id, requests };
};
