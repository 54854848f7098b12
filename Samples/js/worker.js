// A Workers-style handler (runs unchanged on workerd): a small JSON API with a visit counter in env.KV.
// moc push js-worker Samples/js/worker.js && moc plug '/worker/*rest' js-worker fetch
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname.endsWith('/visits')) {
      const visits = Number((await env.KV.get('visits')) ?? 0) + 1;
      await env.KV.put('visits', String(visits));
      return Response.json({ visits });
    }
    if (request.method === 'POST') {
      const body = await request.json();
      return Response.json({ received: body }, { status: 201 });
    }
    return new Response(`Hello from a worker at ${url.pathname}`, { headers: { 'content-type': 'text/plain' } });
  },
};
