// A sale that succeeds, but after its Lambda's 1 s timeout: too late to count.
export const late = () => new Promise((resolve) => setTimeout(() => resolve({ statusCode: 200, body: '{"sold":true}' }), 3000));

// A crash, as an unexpected error outside any middy stack would be.
export const broken = async () => {
  throw new Error('broken');
};
