import { route } from '../http/route';
import { FeedPage, FeedQuery, Post, PostBody, PostParams } from './schemas';

const tags = ['social'] as const;

export const createPost = /* @__PURE__ */ route({
  operationId: 'createPost',
  method: 'POST',
  path: '/api/social/posts',
  summary: "Post to your club's feed, seen by the fans of your club",
  tags,
  auth: 'required',
  limit: 'posts',
  body: PostBody,
  responses: { 201: { description: 'The post', schema: Post }, 422: { description: 'You have no club to post to' } },
});

export const likePost = /* @__PURE__ */ route({
  operationId: 'likePost',
  method: 'POST',
  path: '/api/social/posts/{id}/like',
  summary: 'Like a post of your club, once; liking it again answers the same',
  tags,
  auth: 'required',
  params: PostParams,
  responses: { 200: { description: 'The post, liked by you', schema: Post }, 404: { description: "No such post in your club's feed" } },
});

export const unlikePost = /* @__PURE__ */ route({
  operationId: 'unlikePost',
  method: 'DELETE',
  path: '/api/social/posts/{id}/like',
  summary: 'Take back your like of a post; again, or never liked, answers the same',
  tags,
  auth: 'required',
  params: PostParams,
  responses: { 200: { description: 'The post, not liked by you', schema: Post }, 404: { description: "No such post in your club's feed" } },
});

export const getFeed = /* @__PURE__ */ route({
  operationId: 'getFeed',
  method: 'GET',
  path: '/api/social/feed',
  summary: "Your club's timeline: fans' posts, upcoming matches and merchandise, ranked by likes against age; `?page` from 1 to 50",
  tags,
  auth: 'required',
  query: FeedQuery,
  responses: { 200: { description: 'A page of 20 items', schema: FeedPage } },
});
